"""Words of an utterance: normalised text, sentences, and the content words two turns share."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Spoken fillers and acknowledgements that open a sentence before its real start
# ("Okay, so, um, tell me..."): skipped when looking for how a sentence begins.


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


FILLERS = _wordset(
    "so um uh erm okay ok alright right great cool nice perfect good well and now yeah yes "
    "oh ah hmm mm hm awesome lovely sure then but also just like thanks thank you please"
)
# Words that carry no topic, including the ones every interview question uses ("tell me about
# your experience with the team"): sharing them with an answer says nothing about building on it.
_STOP = _wordset(
    """a about above after again all also am an and any are as at be because been before being
    both but by can could did do does doing done for from get got had has have having he her here
    him his how i i'd i'll i'm i've if in into is it it's its just know like me more most my no
    not now of on one only or other our out over really right said say says see she should so
    some such than that that's the their them then there there's these they they're thing things
    think this those through to too up us very was way we we'd we'll we're we've well were what
    what's when where which while who why will with would yeah yes you you'd you'll you're you've
    your okay ok um uh go going gone tell walk describe give example experience time work worked
    working team people year years lot bit kind sort actually maybe much many something anything
    mean let let's want wanted first next thank thanks great good sure back talk look sounds
    day days week weeks question questions answer"""
)


# (suffix, replacement), longest first: plural, -ing, -ed and -ly forms meet their base word.
_SUFFIXES = (
    ("ies", "y"),
    ("sses", "ss"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("xes", "x"),
    ("ings", ""),
    ("ing", ""),
    ("edly", ""),
    ("ied", "y"),
    ("ed", ""),
    ("ly", ""),
    ("ss", "ss"),
    ("s", ""),
)


def normalize(text: str) -> str:
    """Lowercase with straight apostrophes and single spaces."""
    return " ".join(text.lower().replace("\u2019", "'").split())


def sentences(text: str) -> list[str]:
    """The sentences of normalised text (one, when the captions carry no punctuation)."""
    return [s for s in _SENTENCE_END.split(text) if s]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def strip_fillers(sentence: str) -> str:
    """The sentence from its first word that is not a filler or acknowledgement."""
    tokens = sentence.split()
    i = 0
    while i < len(tokens) and tokens[i].strip(",.;:!-") in FILLERS:
        i += 1
    return " ".join(tokens[i:])


def stem(word: str) -> str:
    """A light English stem: "prices", "pricing" and "price" all give "pric"."""
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix):
            # The first (longest) matching suffix decides, even when the word is too short to
            # lose it: "miss" must not fall through to the plural "s".
            if len(word) - len(suffix) + len(keep) >= 3:
                word = word[: -len(suffix)] + keep
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def content_stems(text: str) -> set[str]:
    """Stems of the topic words of normalised text."""
    return {stem(w) for w in words(text) if w not in _STOP and len(w) > 2 and not w.isdigit()}
