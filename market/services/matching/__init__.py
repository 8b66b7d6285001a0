"""Suggesting results for demands and demands for results: candidates, signals and explanations.

Vectors follow the search outbox with a cursor of their own (`refresh_vectors`), so a listing gets its
embedding when it is published and keeps it across restarts. Candidates come from the search index
(BM25) and from the stored vectors (cosine); `market.matching.scoring` ranks and explains them.

Modules: vectors (embedding listings as the outbox moves), evidence (candidates and the retrievers' evidence),
suggestions (probability, band, reasons, strong-match notices), panels (who sees what, per listing), decisions
(brokers' accept / reject, the queue, admin reports). Callers import from the package."""

from market.services.matching.decisions import (  # noqa: F401
    MAX_QUEUE_PAGE,
    REJECT_REASONS,
    decide_match,
    decision_precision,
    fusion_weights_report,
    match_queue,
)
from market.services.matching.evidence import (  # noqa: F401
    MATCHED,
    OTHER,
    POOL,
    Evidence,
    eligible_candidates,
    evidence_for,
)
from market.services.matching.panels import (  # noqa: F401
    band_filter,
    can_see_matches,
    instruments_for,
    suggestions_for,
)
from market.services.matching.suggestions import (  # noqa: F401
    DISTINCTIVE_MIN_DOCUMENTS,
    DISTINCTIVE_SHARE,
    GENERAL_WORD_PER_MILLION,
    GENERIC_TERMS_FILE,
    NO_GOOD_MATCH,
    at_least,
    band_thresholds,
    compute_matches,
    generic_terms,
    pair_features,
    relevance_model,
)
from market.services.matching.vectors import (  # noqa: F401
    backfill_vectors,
    log,
    refresh_vectors,
    store_vector,
)
