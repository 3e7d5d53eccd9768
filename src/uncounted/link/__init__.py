"""Record linkage: who is the same person, within and across lists (built on Splink).

This is the only package that imports Splink.  The public surface is small:

* :func:`link_records` — normalise, block, train, predict and cluster;
* :class:`LinkSettings`, :class:`LinkResult`;
* :func:`save_link_result`, :func:`load_current_clusters`, :func:`link_store` — the project store;
* :func:`cluster_accuracy` — pairwise and B-cubed precision/recall against a truth.
"""

from uncounted.link.api import link_records
from uncounted.link.evaluate import Accuracy, capture_histories, cluster_accuracy
from uncounted.link.persist import (
    StoreLinkOutcome,
    current_run,
    link_store,
    load_current_clusters,
    load_current_histories,
    save_link_result,
)
from uncounted.link.result import LinkResult
from uncounted.link.settings import LinkSettings

__all__ = [
    "Accuracy",
    "LinkResult",
    "LinkSettings",
    "StoreLinkOutcome",
    "current_run",
    "link_store",
    "load_current_clusters",
    "load_current_histories",
    "save_link_result",
    "capture_histories",
    "cluster_accuracy",
    "link_records",
]
