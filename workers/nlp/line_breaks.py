"""spaCy component that starts a sentence after every line break, before the parser.

Scraped article text keeps one paragraph or page element per line, and headlines and
captions have no full stop. Left alone, the parser reads "USA: North Korean troops
are in Russia to fight against Ukraine", the subheading under it and the dateline as
one sentence and parses across them ("officials" becomes the object of "against").
The parser keeps sentence starts set before it, so marking them here gives every
line its own parse and its own entities. It must therefore run before the parser;
``finder.build_pipeline`` puts it first.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

FACTORY_NAME = "factdesk_line_breaks"


class LineBreakSplitter:
    def __init__(self, name: str = FACTORY_NAME) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        # A parsed doc has its sentences; spaCy refuses to change them.
        if doc.has_annotation("DEP"):
            return doc
        after_break = False
        for token in doc:
            if token.is_space:
                after_break = after_break or "\n" in token.text
            elif after_break:
                token.is_sent_start = True
                after_break = False
        return doc


@Language.factory(FACTORY_NAME)
def make_line_break_splitter(nlp: Language, name: str) -> LineBreakSplitter:
    return LineBreakSplitter(name)
