"""Stories: the algorithms only (no store): story similarity, online assignment, timelines.

    similarity.py  pair features and the learned same-story model
    cluster.py     the in-memory index of active stories and the assignment decision
    timeline.py    what happened, when, and how sure, from the members' claims

The pipeline (storyline.pipeline.assign) drives them over a store.
"""
