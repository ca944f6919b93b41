"""dbt's in-process builds keep the collector off the objects that existed before them."""

from __future__ import annotations

import gc

from reform_etl.transform import existing_objects_frozen


def test_objects_from_before_are_frozen_only_during_the_block() -> None:
    gc.unfreeze()
    with existing_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_what_someone_else_froze_stays_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with existing_objects_frozen():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_the_block_unfreezes_after_an_error() -> None:
    gc.unfreeze()
    try:
        with existing_objects_frozen():
            raise RuntimeError("dbt failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
