"""The Airflow Assets ``reform_pull`` emits: one per landing kind.

``reform_ingest`` (and :mod:`reform_etl.assets`) schedule on these, so both sides import
one definition from here. The pull DAG emits an event only for the kinds that received
new files in a run, through :data:`LANDING_ALIAS`, with the files in the event's extra.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetAlias

from ..kinds import KINDS

# file://landing/<kind>: the folder under the landing directory the files go to.
LANDING_ASSET_URIS: dict[str, str] = {kind: f"file://landing/{kind}" for kind in sorted(KINDS)}

LANDING_ASSETS: dict[str, Asset] = {
    kind: Asset(name=f"reform_landing_{kind}", uri=uri, group="reform-landing")
    for kind, uri in LANDING_ASSET_URIS.items()
}

# The pull DAG's summary task declares this alias and adds the Assets that changed.
LANDING_ALIAS = AssetAlias("reform_landing_files")


def landing_asset(kind: str) -> Asset:
    """The Asset for new files of ``kind`` in the landing folder."""
    try:
        return LANDING_ASSETS[kind]
    except KeyError:
        raise KeyError(f"no landing Asset for kind {kind!r}; kinds: {', '.join(LANDING_ASSETS)}") from None
