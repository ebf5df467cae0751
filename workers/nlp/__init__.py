"""Claim finding: spaCy components and the functions the workers call.

Importing this package registers the Factdesk factories with spaCy, in pipeline
order: ``factdesk_line_breaks`` (first, before the parser), then after the NER
``factdesk_boilerplate``, ``factdesk_claim_scorer``, ``factdesk_claim_filters`` and
``factdesk_attribution`` (see ``finder.FIRST_COMPONENT`` and ``finder.COMPONENTS``).
"""

from workers.nlp.finder import COMPONENTS, FoundClaim, build_pipeline, find_claims

__all__ = ["COMPONENTS", "FoundClaim", "build_pipeline", "find_claims"]
