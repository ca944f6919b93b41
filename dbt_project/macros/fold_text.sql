{#- Vietnamese text folded for matching: no tone marks or diacritics, lower case, only a-z
    and 0-9 ("Cải cách thể chế (…)" -> "caicachthechea…"). Works without the unaccent
    extension, which a ministry's PostgreSQL may not have. -#}
{% macro strip_diacritics(expr) -%}
    translate(
        {{ expr }},
        'ÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝàáâãäåèéêëìíîïòóôõöùúûüýÿĀāĂăĄąĒēĔĕĖėĘęĚěĨĩĪīĬĭĮįİŌōŎŏŐőŨũŪūŬŭŮůŰűŲųŶŷŸƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǪǫǬǭǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȔȕȖȗȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḔḕḖḗḘḙḚḛḜḝḬḭḮḯṌṍṎṏṐṑṒṓṲṳṴṵṶṷṸṹṺṻẎẏẙẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹđĐ',
        'AAAAAAEEEEIIIIOOOOOUUUUYaaaaaaeeeeiiiiooooouuuuyyAaAaAaEeEeEeEeEeIiIiIiIiIOoOoOoUuUuUuUuUuUuYyYOoUuAaIiOoUuUuUuUuUuAaAaOoOoAaAaAaEeEeIiIiOoOoUuUuAaEeOoOoOoOoYyAaEeEeEeEeEeIiIiOoOoOoOoUuUuUuUuUuYyyAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYydD'
    )
{%- endmacro %}

{% macro fold_text(expr) -%}
    regexp_replace(lower({{ strip_diacritics(expr) }}), '[^a-z0-9]+', '', 'g')
{%- endmacro %}

{#- The loader's component code for a label (reform_etl.normalise.component_code):
    diacritics stripped, runs of other characters -> "_", upper case, at most 60 characters. -#}
{% macro component_code(expr) -%}
    left(upper(btrim(regexp_replace({{ strip_diacritics(expr) }}, '[^A-Za-z0-9]+', '_', 'g'), '_')), 60)
{%- endmacro %}

{#- A component label without leading numbering ("1.", "II -", "Lĩnh vực 3:") and without a
    trailing parenthesis, folded: matches short forms of a published component name. -#}
{% macro component_core(expr) -%}
    {%- set stripped -%}
        regexp_replace(
            regexp_replace({{ expr }}, '^\s*((lĩnh vực|linh vuc|lv|tiêu chí|tieu chi|nhóm|nhom)\s*)?([0-9]+|[IVX]+)\s*[.:)–-]\s*', '', 'i'),
            '\s*\([^)]*\)\s*$', ''
        )
    {%- endset -%}
    {{ fold_text(stripped) }}
{%- endmacro %}
