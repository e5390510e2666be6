import pytest


@pytest.fixture
def october(tree, people, loop):
    """The assessment's hand-counted October 2026 in 一街道, its rollups rebuilt and its
    assessment published (what the worker and the leaders would have done by November)."""
    from jiewang.assessment.services.engine import run_compute, run_publish
    from jiewang.assessment.testing import build_october
    from jiewang.stats.services.rollups import rollups_rebuild

    story = build_october(tree, people, loop)
    rollups_rebuild()
    run_publish(actor=None, run=run_compute(actor=None, area=tree.t1, period="2026-10"))
    return story
