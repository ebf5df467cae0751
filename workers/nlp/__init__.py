"""Claim finding: spaCy components and the functions the workers call.

Importing this package registers the ``factdesk_boilerplate`` and
``factdesk_claim_scorer`` factories with spaCy.
"""

from workers.nlp.finder import COMPONENTS, FoundClaim, build_pipeline, find_claims

__all__ = ["COMPONENTS", "FoundClaim", "build_pipeline", "find_claims"]
