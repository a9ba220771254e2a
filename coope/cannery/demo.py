"""The demo's cannery season (July 2017 – December 2018): filled in by the cannery issue."""


def build_cannery_demo(builder, *, groups, people) -> int:
    """Producers, collections, workshops, batches, lots and sales; returns the number of
    public sessions it created in 2018, which count among the year's 352 published events.

    Named participants must be chosen among `people` (already 2018 members) so that the
    year keeps its 3500 usagers; `groups` maps project-group slugs to ProjectGroup rows."""
    return 0
