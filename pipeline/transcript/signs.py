"""Verbal signs of one interviewer utterance: question, follow_up, logistics, selling, advice.

Each sign is recognised from phrases (pipeline.transcript.phrases) over the normalised words;
a follow-up is a question with evidence that it builds on the candidate's answer just before:
phrases that point back at it and topic words shared with it.
"""

from __future__ import annotations

from pipeline.config import PipelineConfig
from pipeline.transcript import phrases
from pipeline.transcript.text import content_stems, normalize, sentences, strip_fillers, words

# How many words open a question, for an echo of the answer.
_ECHO_WORDS = 2


def utterance_signs(
    text: str, answer_before: str, config: PipelineConfig, *, opening: bool = False
) -> tuple[str, ...]:
    """The signs of an interviewer utterance, in the order of `SIGNS`.

    Args:
        text: the utterance's words.
        answer_before: the candidate's words just before it ("" if none).
        config: thresholds (`follow_up_min_score`, `follow_up_answer_words`).
        opening: the interviewer has asked nothing yet (greetings, introductions, the agenda:
            talk about "us" there is not a pitch).
    """
    norm = normalize(text)
    signs: list[str] = []
    if is_question(norm):
        signs.append("question")
        if follow_up_score(norm, normalize(answer_before), config) >= config.follow_up_min_score:
            signs.append("follow_up")
    logistics = bool(phrases.LOGISTICS.search(norm))
    advice = is_career_advice(norm, logistics, config)
    if logistics:
        signs.append("logistics")
    if is_selling(norm) or (not (opening or logistics or advice) and _pitch(norm, config)):
        signs.append("selling")
    if advice:
        signs.append("career_advice")
    return tuple(signs)


def is_career_advice(norm: str, logistics: bool, config: PipelineConfig) -> bool:
    """Advice phrases, or a hedged suggestion about the candidate's path in a statement."""
    if phrases.CAREER_ADVICE.search(norm):
        return True
    return not logistics and any(
        not s.endswith("?")
        and len(words(s)) >= config.career_advice_min_words
        and phrases.ADVICE_HEDGE.search(s)
        and phrases.ADVICE_TOPIC.search(s)
        and phrases.ADVICE_TO_YOU.search(s)
        and not is_question(s)
        for s in sentences(norm)
    )


def _pitch(norm: str, config: PipelineConfig) -> bool:
    # Once the interview is under way, a long statement about "us" (the organisation, the
    # team, "here") is the interviewer describing the place to the candidate: a pitch.
    return (
        not is_question(norm)
        and len(words(norm)) >= config.selling_pitch_min_words
        and bool(phrases.ABOUT_US.search(norm))
    )


def is_question(norm: str) -> bool:
    """Whether normalised text asks or prompts the candidate (any of its sentences)."""
    punctuated = any(c in norm for c in ".?!")
    return any(_sentence_is_question(s, punctuated) for s in sentences(norm))


def _sentence_is_question(sentence: str, punctuated: bool) -> bool:
    core = strip_fillers(sentence)
    if not core or phrases.NOT_QUESTION.search(core):
        return False
    if core.endswith("?"):
        return True
    if phrases.PROMPT.search(core):
        return True
    # Where the captions are punctuated, a sentence ending in a full stop that starts like a
    # question is a statement ("What happens next is a site tour."); where they are not
    # (automatic captions), how it starts is all there is to go by.
    return not punctuated and bool(
        phrases.QUESTION_START.search(core) or phrases.QUESTION_ANYWHERE.search(core)
    )


def follow_up_score(norm: str, answer_norm: str, config: PipelineConfig) -> float:
    """Evidence that a question builds on the answer before it (see `follow_up_min_score`)."""
    if not answer_norm:
        return 0.0
    recent = " ".join(words(answer_norm)[-config.follow_up_answer_words :])
    shared = len(content_stems(norm) & content_stems(recent))
    references = len(phrases.FOLLOW_UP_REFERENCE.findall(norm))
    score = config.follow_up_shared_word_weight * min(shared, config.follow_up_shared_words_max)
    score += config.follow_up_reference_weight * min(references, config.follow_up_reference_max)
    if phrases.ANAPHORA.search(norm):
        short = len(words(norm)) <= config.follow_up_short_question_words
        score += config.follow_up_pronoun_weight * (2 if short else 1)
    if _echoes(norm, recent):
        score += config.follow_up_pronoun_weight
    if phrases.NEW_TOPIC.search(norm):
        score += config.follow_up_new_topic_weight
    return score


def _echoes(norm: str, answer_norm: str) -> bool:
    # A question that opens on the answer's own words ("Aggressive how?", "Coyote time, how
    # long...") picks it up where it left off.
    opening = " ".join(strip_fillers(norm).split()[:_ECHO_WORDS])
    return bool(content_stems(opening) & content_stems(answer_norm))


def is_selling(norm: str) -> bool:
    """Whether a statement promotes the organisation, team or role (questions do not sell)."""
    return any(
        not s.endswith("?")
        and phrases.ABOUT_US.search(core := strip_fillers(s))
        and phrases.PROMOTION.search(core)
        for s in sentences(norm)
    )
