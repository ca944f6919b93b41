{#- Text without tone marks and diacritics, case kept ("Đắk Lắk" -> "Dak Lak"): what
    reform_etl.folding.fold_vietnamese does in Python, checked against the same table of cases
    (tests/fixtures/text_folding_cases.csv). Works without the unaccent extension, which a
    ministry's PostgreSQL may not have. The first list holds every letter of Latin-1,
    Latin Extended-A/B and Latin Extended Additional (all Vietnamese letters are among them)
    that loses a mark when folded, đ/Đ and the look-alike eth ð/Ð included; the second, what
    each becomes. The combining marks U+0300-U+036F have no counterpart, so translate drops
    them: decomposed (NFD) text folds like composed text. -#}
{% macro strip_diacritics(expr) -%}
    translate(
        {{ expr }},
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǢǣǦǧǨǩǪǫǬǭǮǯǰǴǵǸǹǺǻǼǽǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ'
        || U&'\0300\0301\0302\0303\0304\0305\0306\0307\0308\0309\030A\030B\030C\030D\030E\030F\0310\0311\0312\0313\0314\0315\0316\0317\0318\0319\031A\031B\031C\031D\031E\031F\0320\0321\0322\0323\0324\0325\0326\0327\0328\0329\032A\032B\032C\032D\032E\032F\0330\0331\0332\0333\0334\0335\0336\0337\0338\0339\033A\033B\033C\033D\033E\033F\0340\0341\0342\0343\0344\0345\0346\0347\0348\0349\034A\034B\034C\034D\034E\0350\0351\0352\0353\0354\0355\0356\0357\0358\0359\035A\035B\035C\035D\035E\035F\0360\0361\0362\0363\0364\0365\0366\0367\0368\0369\036A\036B\036C\036D\036E\036F',
        'AAAAAACEEEEIIIIDNOOOOOUUUUYaaaaaaceeeeiiiidnooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuUuUuUuAaAaÆæGgKkOoOoƷʒjGgNnAaÆæØøAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyAaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyſAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy'
    )
{%- endmacro %}

{#- The matching key (reform_etl.values.fold): folded, lower case, only a-z and 0-9
    ("Cải cách thể chế (…)" -> "caicachthechea…"). -#}
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
