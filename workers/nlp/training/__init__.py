"""Training of the claim classifier that ``workers.nlp.classifier`` ships.

``make train-claims`` runs ``python -m workers.nlp.training.train``.
"""
