"""spaCy component: the English model's attribute ruler, cut down to what the finder reads.

The model's ``attribute_ruler`` maps fine-grained tags to coarse parts of speech,
with a few exceptions by word and dependency ("but" as an adverb, auxiliaries), and
also sets lemmas and morphology. The finder reads the parts of speech (and the tag and
label it gives whitespace), never lemmas or morphology, while spaCy's ruler runs a
Matcher over every token and builds a Span for each match: a tenth of the claim
pipeline's time on short sentences.

This component applies the same patterns, restricted to the attributes the finder
reads (``POS``, ``TAG``, ``DEP``), with dictionary look-ups: same results for those
attributes (later patterns win, as in spaCy), at a fraction of the cost.
``compile_patterns`` refuses a pattern it cannot evaluate exactly, and
``build_pipeline`` then keeps spaCy's ruler.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

FACTORY_NAME = "factdesk_attributes"
# What the finder and the classifier read; lemmas and morphology are left unset.
KEPT_ATTRS = ("POS", "TAG", "DEP")
_TOKEN_KEYS = frozenset({"TAG", "LOWER", "DEP", "IS_SPACE"})
# Distinct (tag, form, label, space) keys kept before the cache starts afresh, so a
# long-running worker's memory stays flat (a few MB at most).
_CACHE_SIZE = 50_000


class UnsupportedPattern(ValueError):
    """A pattern this component cannot evaluate exactly."""


@dataclass(frozen=True)
class _Rule:
    order: int  # later rules win
    tests: tuple[tuple[str, str, Any], ...]  # (key, operator, value)
    attrs: tuple[tuple[str, str], ...]

    def matches(self, token: Token) -> bool:
        return all(_test(_value(token, key), op, value) for key, op, value in self.tests)


def _value(token: Token, key: str) -> str | bool:
    if key == "TAG":
        return token.tag_
    if key == "LOWER":
        return token.lower_
    if key == "DEP":
        return token.dep_
    return token.is_space


def _test(actual: str | bool, op: str, value: Any) -> bool:
    if op == "==":
        return bool(actual == value)
    if op == "IN":
        return actual in value
    return actual not in value  # NOT_IN


def _tests(token_pattern: Mapping[str, Any]) -> tuple[tuple[str, str, Any], ...]:
    tests: list[tuple[str, str, Any]] = []
    for key, value in token_pattern.items():
        if key not in _TOKEN_KEYS:
            raise UnsupportedPattern(f"token attribute {key}")
        if isinstance(value, dict):
            ((op, operand),) = value.items()
            if op not in {"IN", "NOT_IN"}:
                raise UnsupportedPattern(f"operator {op}")
            tests.append((key, op, frozenset(operand)))
        else:
            tests.append((key, "==", value))
    return tuple(tests)


@dataclass(frozen=True)
class CompiledPatterns:
    """Single-token rules indexed by the tag they require (None: any tag), and the
    multi-token ones for a Matcher."""

    by_tag: Mapping[str | None, Sequence[_Rule]]
    multi_token: Sequence[tuple[int, list[list[dict[str, Any]]], int, dict[str, str]]]


def compile_patterns(patterns: Iterable[Mapping[str, Any]]) -> CompiledPatterns:
    """Compile attribute-ruler patterns (as ``AttributeRuler.patterns`` lists them),
    keeping the attributes in KEPT_ATTRS. Raises UnsupportedPattern."""
    by_tag: defaultdict[str | None, list[_Rule]] = defaultdict(list)
    multi: list[tuple[int, list[list[dict[str, Any]]], int, dict[str, str]]] = []
    for order, pattern in enumerate(patterns):
        attrs = {key: str(value) for key, value in pattern["attrs"].items() if key in KEPT_ATTRS}
        if not attrs:
            continue
        alternatives: list[list[dict[str, Any]]] = pattern["patterns"]
        index = int(pattern.get("index", 0))
        if any(len(tokens) != 1 for tokens in alternatives):
            for tokens in alternatives:
                for token_pattern in tokens:
                    _tests(token_pattern)
            multi.append((order, alternatives, index, attrs))
            continue
        if index not in (0, -1):
            raise UnsupportedPattern(f"index {index} of a one-token pattern")
        for (token_pattern,) in alternatives:
            tests = _tests(token_pattern)
            rule = _Rule(order, tests, tuple(attrs.items()))
            tag = token_pattern.get("TAG")
            if isinstance(tag, str):
                by_tag[tag].append(rule)
            elif isinstance(tag, dict) and "IN" in tag:
                for value in tag["IN"]:
                    by_tag[value].append(rule)
            else:
                by_tag[None].append(rule)
    return CompiledPatterns(by_tag=dict(by_tag), multi_token=multi)


class FastAttributes:
    """Sets POS, TAG and DEP as the model's attribute ruler would."""

    def __init__(self, nlp: Language, name: str, patterns: Sequence[Mapping[str, Any]]) -> None:
        self.name = name
        self.patterns = [dict(pattern) for pattern in patterns]
        compiled = compile_patterns(self.patterns)
        self._by_tag = compiled.by_tag
        self._any_tag = list(compiled.by_tag.get(None, ()))
        self._matcher: Matcher | None = None
        self._multi: dict[str, tuple[int, int, dict[str, str]]] = {}
        self._cache: dict[tuple[int, int, int, bool], dict[str, tuple[int, str]]] = {}
        if compiled.multi_token:
            self._matcher = Matcher(nlp.vocab, validate=True)
            for order, alternatives, index, attrs in compiled.multi_token:
                key = f"{name}_{order}"
                self._matcher.add(key, alternatives)
                self._multi[key] = (order, index, attrs)

    def __call__(self, doc: Doc) -> Doc:
        # Per token, the latest rule to set each attribute wins, as in spaCy. A token's
        # rules depend only on its tag, form, label and whether it is a space, so the
        # outcome is cached on those: most tokens are common words.
        cache = self._cache
        if len(cache) > _CACHE_SIZE:
            cache.clear()
        chosen: dict[int, dict[str, tuple[int, str]]] = {}
        for token in doc:
            key = (token.tag, token.lower, token.dep, token.is_space)
            best = cache.get(key)
            if best is None:
                best = cache[key] = self._rules_for(token)
            if best:
                chosen[token.i] = dict(best)
        if self._matcher is not None:
            for match_id, start, end in self._matcher(doc, allow_missing=True):
                order, index, attrs = self._multi[doc.vocab.strings[match_id]]
                position = (start if index >= 0 else end) + index
                found = chosen.setdefault(position, {})
                for attr, value in attrs.items():
                    if attr not in found or found[attr][0] < order:
                        found[attr] = (order, value)
        for i, found in chosen.items():
            token = doc[i]
            for attr, (_, value) in found.items():
                if attr == "POS":
                    token.pos_ = value
                elif attr == "TAG":
                    token.tag_ = value
                else:
                    token.dep_ = value
        return doc

    def _rules_for(self, token: Token) -> dict[str, tuple[int, str]]:
        best: dict[str, tuple[int, str]] = {}
        for rules in (self._by_tag.get(token.tag_, ()), self._any_tag):
            for rule in rules:
                if rule.matches(token):
                    for attr, value in rule.attrs:
                        if attr not in best or best[attr][0] < rule.order:
                            best[attr] = (rule.order, value)
        return best


@Language.factory(FACTORY_NAME, default_config={"patterns": []})
def make_fast_attributes(
    nlp: Language, name: str, patterns: list[dict[str, Any]]
) -> FastAttributes:
    return FastAttributes(nlp, name, patterns)


def replace_attribute_ruler(nlp: Language, name: str = "attribute_ruler") -> bool:
    """Swap the model's attribute ruler for this component, under the same name, when
    every pattern it needs compiles; False (and the ruler kept) otherwise."""
    if name not in nlp.pipe_names:
        return False
    ruler: Any = nlp.get_pipe(name)
    patterns = getattr(ruler, "patterns", None)
    if patterns is None:
        return False
    try:
        compile_patterns(patterns)
    except (UnsupportedPattern, ValueError):
        return False
    nlp.replace_pipe(name, FACTORY_NAME, config={"patterns": patterns})
    return True
