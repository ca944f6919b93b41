select
    index_code,
    index_name_vi,
    index_name_en,
    scale_max,
    higher_is_better,
    first_year,
    structure_documented_to,
    publisher
from {{ ref('index_catalogue') }}
