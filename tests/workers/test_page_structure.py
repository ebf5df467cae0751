"""Embeds, captions, credits and pull quotes leave the page before its text is read."""

from __future__ import annotations

from trafilatura.utils import load_html

from workers.extract import extract
from workers.fetch import Page
from workers.page_structure import strip_furniture

PARAGRAPH = (
    "The New York Islanders beat the Pittsburgh Penguins 5-4 in overtime on Tuesday, "
    "extending their winning streak to 11 games, the longest in the league this season."
)
LATER = (
    "Sidney Crosby had a goal and two assists for the Penguins, who have lost four of "
    "their last six games at home, coach Mike Sullivan said after the game on Tuesday."
)
TWEET = "What a game! Barzal scores 2 as the Isles win their 11th straight game tonight"
CAPTION = "Islanders center Mathew Barzal celebrates his goal. (AP Photo/Gene J. Puskar) less"
PULL_QUOTE = "extending their winning streak to 11 games"
PAGE = f"""<!doctype html><html><head><title>Islanders win</title></head><body><article>
<p>{PARAGRAPH}</p>
<figure><img src="a.jpg"><figcaption>{CAPTION}</figcaption></figure>
<blockquote class="twitter-tweet"><p lang="en">{TWEET}</p>&mdash; NY Islanders
(@NYIslanders) <a href="https://twitter.com/x">November 5, 2019</a></blockquote>
<aside class="pullquote">{PULL_QUOTE}</aside>
<p>{LATER}</p>
<blockquote class="instagram-media"><p>Another win, 11 in a row, 2 goals from Barzal</p>
</blockquote>
<p>The Islanders play the Philadelphia Flyers on Thursday in their next game, and they
have not lost in regulation since the middle of October this season.</p>
</article></body></html>"""


def test_the_page_text_has_no_embed_caption_or_pull_quote() -> None:
    text = extract(
        Page(
            url="https://example.com/a", content_type="text/html", body=PAGE.encode(), encoding=None
        )
    ).text

    assert PARAGRAPH in text
    assert LATER in text
    for furniture in (TWEET, "Another win, 11 in a row", "AP Photo", "NY Islanders"):
        assert furniture not in text
    assert text.count(PULL_QUOTE) == 1


def test_text_after_a_removed_element_stays() -> None:
    tree = load_html(
        "<html><body><p>Before <span class='credit'>Photo: AFP</span> after.</p></body></html>"
    )

    assert tree is not None
    assert strip_furniture(tree) == 1
    assert " ".join(tree.xpath("//p")[0].text_content().split()) == "Before after."


def test_a_long_container_whose_class_mentions_a_caption_is_kept() -> None:
    body = " ".join(["Russia sent troops to the border on Monday."] * 15)
    tree = load_html(
        f"<html><body><div class='article-body has-caption'><p>{body}</p></div></body></html>"
    )

    assert tree is not None
    assert strip_furniture(tree) == 0
    assert "Russia sent troops" in tree.xpath("//div")[0].text_content()
