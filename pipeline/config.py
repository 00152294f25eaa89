"""Every threshold of the pipeline, each with its unit in the name and why it has that value."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

# Fields something is divided by or counted in steps of: zero or below has no meaning there.
_POSITIVE = (
    "survey_interval_ms",
    "survey_early_interval_ms",
    "survey_close_every",
    "window_ms",
    "note_max_gap_ms",
    "note_hand_share_min",
    "engagement_drop_share",
    "min_crop_side_px",
    "max_participants",
)


@dataclass(frozen=True)
class PipelineConfig:
    # Five analysed frames a second resolve a 0.5 s closure and a 1 s glance at a fraction
    # of the cost of every frame.
    fps: float = 5.0
    # FaceMesh below this face detection confidence gives jittery landmarks.
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    # Hands are only an auxiliary note-taking cue; the light model is enough to see them.
    hands_model_complexity: int = 0
    # Hands only support the note-taking cue (hands low or moving while looking down): they
    # are looked for on every frame while the person looks down and, if this is above 0, on
    # every n-th frame besides. 0 spares the most expensive model in a call spent on the
    # screen (the cue weighs hands over a run of looks down, which are all looked at).
    hands_every_n_frames: int = 0
    # A look down, for that purpose: head pitch this far below the last 10 s median, or lids
    # below this share of their median.
    hands_look_down_deg: float = 8.0
    hands_lid_drop_ratio: float = 0.8
    # ... but lids below this share of their median are shutting, not lowered: a blink (15-20
    # a minute, often caught part-way) is no look down, and searching hands on each cost more
    # than every real look down of a call spent on the screen. Over the labelled clips, no
    # `down` frame with the head level had its lids below 0.45 (those are bowed: searched).
    hands_lid_shut_ratio: float = 0.4

    # Decoding on half of the CPUs and the models on the other half (see pipeline.media.cpus):
    # on two cores a recording takes about three quarters of the time it takes when the
    # scheduler mixes them.
    split_cpus: bool = True

    # --- locating participants ------------------------------------------------------------
    # Surveys (full-range face detector over tiles and their quarters) this often pick up
    # people who join late, a camera switched back on, or a speaker-view change.
    survey_interval_ms: int = 3000
    # ... and every second during the first seconds and while someone is lost: a missed
    # person costs every frame until the next survey.
    survey_early_interval_ms: int = 1000
    survey_early_ms: int = 5000
    # Every this many regular surveys also searches the tiles' quarters for small faces (4
    # more detections a tile, 4.5 ms each at 720p): early on and after a loss they always
    # do; a small face joining later is found within this many intervals (24 s).
    survey_close_every: int = 8
    # Detector confidence for a face to be matched to a known participant ...
    survey_min_confidence: float = 0.5
    # ... and the higher bar for a new participant: a false face in a tile would split it.
    new_participant_min_score: float = 0.75
    # Crops smaller than this (pixels, short side) are upscaled (bicubic): the mesh resamples
    # its face region to 192 px itself, and a sharper source keeps small irises legible.
    min_crop_side_px: int = 384
    # People sharing a tile are meshed in a square this many face-widths wide around them.
    face_crop_scale: float = 3.0
    # A person alone in a tile is also meshed on a face crop when the tile is this many times
    # the crop's area: the mesh resamples the face to 192 px anyway, so the rest of a big
    # frame is pure conversion cost (a 720p frame costs twice a 640 px one).
    crop_area_ratio: float = 1.6
    # A 3x3 gallery is the largest common layout; further faces are crowds, not the call.
    max_participants: int = 9
    # Participants seen in fewer analysed frames than this share were detector mistakes.
    min_participant_coverage: float = 0.05

    # --- calibration: the participant's attending direction -------------------------------
    # Fewer open-eyed frames than this and no baseline is attempted (a person never seen).
    calibration_min_frames: int = 5
    # Radius of the dominant-cluster search, in gaze degrees: wide enough for screen-sized
    # gaze shifts (a 15" screen at 60 cm spans about 30 degrees), narrow enough to keep a
    # look to the side out.
    calibration_radius_deg: float = 10.0

    # --- baseline sanity: when the recording shows no screen direction (issue 12) -----------
    # Open eyes measure 0.25-0.35 of the eye width (lid gap / width); an attending cluster
    # below this has the lids lowered or shut throughout (a phone in the lap, dozing) ...
    prior_min_open_aperture: float = 0.17
    # ... and one gazing further than this below the camera is a look down, not a screen (a
    # laptop screen's centre sits 15-20 degrees below its camera at arm's length).
    prior_max_below_camera_deg: float = 25.0
    # The lids of an ordinary open eye, standing in for the person's own when that happens.
    prior_open_aperture: float = 0.28

    # --- states ------------------------------------------------------------------------------
    # Gaze further than this from the baseline (yaw) is "away".
    away_yaw_deg: float = 13.5
    # Looking up this far above the baseline is "away" (people rarely look up at a screen).
    away_up_deg: float = 14.0
    # Below the baseline by this much combined evidence (degrees of pitch) is "down".
    down_pitch_deg: float = 11.5
    # ... of which at least this much must be head or iris pitch, not the lids alone.
    down_min_pitch_deg: float = 3.0
    # Lid aperture below this fraction of the person's own open-eye baseline is "closed"
    # (unless the gaze evidence says the eyes are lowered, which also narrows the lids).
    closed_ratio: float = 0.5
    # ... unless the lower lid stays at least this share of its attending drop below the eye
    # corners: closing lids meet part-way (the lower one rising, to about 0.2-0.5 of it),
    # while over a lowered eye the upper lid comes down and the lower one stays (0.6-0.75).
    closed_lower_lid_min: float = 0.6
    # ... and only while the lids still show the iris (a lowered eye's lids stay at 0.1-0.15
    # of the eye width; shut ones at 0.02-0.06, wherever the lower lid rests).
    closed_iris_min_aperture: float = 0.08
    # Lids this narrow right next to shut ones belong to the same closure (fluttering lids);
    # lowered lids of a look down stay above it (about 0.65-0.8 of the open aperture).
    nearly_closed_ratio: float = 0.6
    # A head turned from the attending direction makes the eye-in-head angle less sure (its
    # gain varies with the head angle and the person): the away threshold grows by this many
    # degrees per degree of head turn.
    away_head_turn_slack: float = 0.6
    # Lids wider than when attending are eyes raised in the head (the upper lid follows the
    # eye), as when a lowered head keeps the eyes on the screen: a widening up to this share
    # of the attending aperture counts against a look down.
    down_lid_rise_max: float = 0.15
    # The face mesh moves the iris less than the eye turns up or down (the lids hide it):
    # the iris's own pitch counts this many times in a look down (1: as measured).
    down_eye_pitch_gain: float = 2.0
    # Narrowed lids count toward a look down by how far the upper lid came down: a raised
    # lower lid (a smile, a squint) is taken out of the narrowing with this weight.
    down_lower_lid_weight: float = 1.0
    # Hysteresis: leaving a state needs the evidence to fall this far back, in degrees.
    hysteresis_deg: float = 1.5
    # A closure shorter than this is a blink and does not interrupt the state around it.
    blink_max_ms: int = 500
    # States shorter than this are merged into their neighbours (glances below this are noise).
    min_dwell_ms: int = 300
    # A face lost for at most this long is bridged (tracker dropouts, motion blur).
    absent_bridge_ms: int = 400

    # --- aggregation (windows, episodes, events) ------------------------------------------
    window_ms: int = 30_000
    # Windows with less face than this abstain from a score: not enough to judge.
    min_window_coverage: float = 0.5

    # Note-taking: a look down shorter than this is a check (keyboard, clock, a notification),
    # not writing; even one word takes about a second.
    note_glance_min_ms: int = 1_000
    # A look down longer than this is reading or a phone, not jotting a note (and it ends an
    # episode): notes taken while listening are a word or a line, a few seconds each.
    note_glance_max_ms: int = 12_000
    # Back on the screen at least this long between two looks down counts as a return; less and
    # the two looks are one.
    note_return_min_ms: int = 500
    # Looks down further apart than this are separate bouts, not one episode of taking notes.
    note_max_gap_ms: int = 15_000
    # Between looks down a note-taker is mostly back on the screen, listening; gaps spent
    # mostly looking elsewhere are not that rhythm.
    note_return_share_min: float = 0.5
    # One or two looks down happen anyway; a rhythm of three is note-taking.
    note_min_glances: int = 3
    # With the hands seen low or moving during the looks down, two are enough.
    note_min_glances_with_hands: int = 2
    # Share of the episode's hand-visible frames with hands low or moving that counts as hand
    # evidence (writing hands rest and move on the desk, in the lower part of the frame).
    note_hand_share_min: float = 0.3
    # Hand-centre speed above this (image widths per second) is writing or typing, not resting.
    note_hand_motion_min_wps: float = 0.03

    # Events: sideways glances shorter than this are ordinary thinking, not looking away.
    looking_away_min_ms: int = 1_500
    # Closures longer than this are more than a long blink.
    eyes_closed_min_ms: int = 1_000
    # A face missing this long is not a tracker dropout.
    face_absent_min_ms: int = 2_000
    # Off the screen (not taking notes) at least this long is lost eye contact, not a glance.
    eye_contact_lost_min_ms: int = 3_000
    # Returns to the screen shorter than this do not end a stretch of lost eye contact.
    eye_contact_return_min_ms: int = 1_000

    # Engagement drop: the current level is the attending share over this trailing span.
    engagement_current_ms: int = 30_000
    # The interviewer's own earlier level: the span before the current one (five minutes is this
    # person's normal, yet follows a long call).
    engagement_lookback_ms: int = 300_000
    # Less analysed time than this before a moment and there is no earlier level to compare to.
    engagement_reference_min_ms: int = 60_000
    # A fall of this much attending share below the earlier level is a drop (smaller falls are
    # within the swing of one person's ordinary glancing).
    engagement_drop_share: float = 0.25
    # The fall has to last this long to be sustained: longer than one distracted answer (most
    # answers run 30-60 s).
    engagement_drop_min_ms: int = 45_000

    # Disengagement score: each off-screen behaviour counts by how clearly it shows attention
    # elsewhere. Looking sideways/up (another screen, the room) is the clearest sign.
    score_severity_away: float = 1.0
    # Closed eyes beyond a blink: clearly not watching, though the person may still listen.
    score_severity_closed: float = 0.8
    # Looking down outside a note-taking rhythm (phone, reading); may be the candidate's CV.
    score_severity_down: float = 0.7
    # Out of frame while the window is still mostly covered: a lean-out or a tracker loss looks
    # the same, so it weighs least.
    score_severity_absent: float = 0.5
    # Share of the score given to the fall below the person's own earlier attending level, which
    # makes the score personal (people differ in how much they glance around).
    score_weight_below_own: float = 0.2
    # Trend: the last third of the windows must differ from the first third by this many score
    # points to be a trend (smaller differences are window-to-window noise).
    trend_min_points: float = 10.0
    # The headline speaks about this trailing span (what the candidate remembers last).
    headline_tail_ms: int = 300_000

    # Advice: off-screen spells at least this long call for a response in the moment.
    advice_respond_min_ms: int = 5_000
    # The answer "just before" a moment is the talk in this span before it.
    advice_context_ms: int = 30_000
    # This many negative events starting within advice_cluster_ms is a cluster (stay upbeat).
    advice_cluster_min_events: int = 3
    advice_cluster_ms: int = 60_000
    # Items of one strategy closer than this are one moment, not two.
    advice_min_gap_ms: int = 60_000
    # More than this many items of one move is noise a candidate cannot act on; keep the
    # strongest (a habitual glancer would otherwise get one every minute).
    advice_max_per_strategy: int = 3
    # The thank-you note points at this many lowest-attention windows ...
    advice_thank_you_windows: int = 2
    # ... scoring at least this (below it a window is ordinary glancing, nothing to clarify).
    advice_thank_you_min_score: float = 20.0

    # --- transcript and verbal signs (pipeline/transcript) ----------------------------------
    # A transcript cue may end this far past the recording: exports round the last cue up and
    # a recording may stop a moment before the platform's captions do.
    transcript_end_slack_ms: int = 5_000
    # The transcript speaker whose cues the judged participant's own speech (sound + lips)
    # covers: chosen only with enough speech to judge (a few answers' worth), covering most of
    # that speaker's cue time, and clearly more than anyone else's (a talk-over or a mistimed
    # export covers a little of everyone's).
    verbal_lips_min_speech_ms: int = 10_000
    verbal_lips_min_share: float = 0.5
    verbal_lips_min_margin: float = 0.25
    # Follow-up evidence (see pipeline.transcript.signs) must reach this: two pieces of
    # evidence, since one shared word is often a coincidence ("team").
    follow_up_min_score: float = 2.0
    # A phrase pointing back at the answer ("you mentioned", "what happened") is strong
    # evidence on its own, nearly enough; at most two count (a question is not more of a
    # follow-up for saying it three ways).
    follow_up_reference_weight: float = 1.5
    follow_up_reference_max: int = 2
    # A pronoun referring back ("it", "them") is weaker: it may refer to the question's own
    # words; in a question this short it cannot ("How did you find it?") and counts twice.
    follow_up_pronoun_weight: float = 1.0
    follow_up_short_question_words: int = 7
    # Each topic word shared with the answer; two at most (long questions share more by chance).
    follow_up_shared_word_weight: float = 1.0
    follow_up_shared_words_max: int = 2
    # A new-topic phrase ("switching gears", "tell me about a time") outweighs the rest.
    follow_up_new_topic_weight: float = -3.0
    # Statements about "us" at least this long, once the interview is under way, are a pitch;
    # shorter ones are asides ("We have someone for that already.").
    selling_pitch_min_words: int = 12
    # A hedged suggestion shorter than this is a pleasantry, not advice about a career.
    career_advice_min_words: int = 8
    # Only the candidate's last this many words are "the answer just before": a follow-up
    # picks up what was just said, not something from several minutes back.
    follow_up_answer_words: int = 120
    # "Follow-ups stopped": at least this many questions in a row after the last follow-up,
    # spanning at least verbal_no_follow_up_min_ms (a scripted stretch, not a short list).
    verbal_no_follow_up_questions: int = 4
    verbal_no_follow_up_min_ms: int = 180_000
    # "Logistics never discussed" looks at this last share of the transcript: pay, start and
    # next steps come up at the end of an interview that is going somewhere.
    verbal_logistics_tail_share: float = 1 / 3
    # ... of a transcript at least this long: a shorter one is a clip or a segment, whose end
    # need not be the interview's end.
    verbal_logistics_min_transcript_ms: int = 600_000
    # Advice quotes at most this many words of an utterance (enough to recognise it).
    verbal_quote_words: int = 14

    # --- the conversation: speech and turns (issue 13) -----------------------------------
    # Silero VAD probability above which a 32 ms window starts speech, and below which it
    # ends it. Speech scores near 1 (on the development calls 89% of speech windows score
    # above 0.8), while music right after speech lingers at 0.3-0.6 as the model's memory
    # fades: the model's own 0.5/0.35 pair let 8-22% of such music through, this pair 1%.
    speech_on_probability: float = 0.7
    speech_off_probability: float = 0.5
    # Speech shorter than this is a cough, a click or a word from a music track, not talk.
    speech_min_ms: int = 250
    # Pauses shorter than this inside speech are breaths between phrases, not its end.
    speech_bridge_ms: int = 300
    # Lip activity: the mouth opening (inner-lip gap / eye-corner distance) varies at least
    # this much (standard deviation over `lips_window_ms`) in talking (median 0.035-0.06 on
    # the talking clips' recordings, 5th percentile 0.012-0.022); still lips of a sharp face
    # stay at 0.001-0.005.
    lips_active_std: float = 0.015
    # ... and at least this multiple of the person's own still level (the median away from
    # speech): a small or soft face makes the mesh's lips jitter up to 0.03 at rest. The
    # median, not a high percentile, because speech the voice detector misses (a child's
    # voice scored 0.1-0.4) counts as rest and would raise the level over their talking;
    # twice the median keeps 0.995 of listeners' frames below it on the calls (1.5 x the
    # 90th percentile: 0.999), and finds 0.79 of speakers' frames above it (0.77).
    lips_still_factor: float = 2.0
    # Some people talk with lips the mesh sees barely move (a downcast face, a beard): when
    # nobody's lips reach their level, a face moving this many times more (each against
    # their own level) than every other visible face, and at least `lips_dominance_min` of
    # its level, is still the speaker. Two faces at rest differ by less than this.
    lips_dominance_ratio: float = 3.0
    lips_dominance_min: float = 0.3
    # A second of frames holds a few syllables, enough for the mouth to open and close.
    lips_window_ms: int = 1_000
    # A speaker label holds over short flickers of the lip evidence: one word's lip motion
    # may pause while the voice goes on.
    speaker_smooth_ms: int = 1_400
    # A pause shorter than this between two stretches of the same speaker's speech is theirs
    # (a segment holds it): mid-sentence pauses run to about a second, and a person marking
    # who speaks would not hand such a pause to nobody.
    speaker_hold_ms: int = 1_000
    # Pauses shorter than this inside one person's speech keep the turn going (a person
    # marking turns would not split at a breath or a short search for a word).
    turn_pause_ms: int = 2_000
    # `unseen` speech shorter than this, closer than `unseen_absorb_gap_ms` to a seen
    # speaker's speech, is theirs: a phrase whose lips the mesh saw barely move, part of the
    # same sentence (more often than a third voice chiming in for a second). Further away it
    # may be the other party's short reply, so it stays unseen.
    unseen_absorb_ms: int = 1_500
    unseen_absorb_gap_ms: int = 500
    # Stretches of one speaker shorter than this are backchannel ("mm-hmm"), not a turn.
    turn_min_ms: int = 700
    # The interviewer's turn starting less than this after an answer ends (or before) came
    # without the pause people leave before taking a turn (a quarter second or more).
    answer_overlap_ms: int = 250
    # Answers at least this long are "long" for relating answer length to attention: past
    # two minutes interviewers commonly drift (answers of 30-90 s are the usual advice).
    long_answer_ms: int = 120_000

    def __post_init__(self) -> None:
        """Refuses values no stage can work with (a survey every 0th interval, a window of
        0 ms, an infinite frame rate), naming the field, instead of failing deep inside."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"PipelineConfig.{f.name} must be a finite number, got {value}")
        for name in _POSITIVE:
            if getattr(self, name) <= 0:
                raise ValueError(
                    f"PipelineConfig.{name} must be above 0, got {getattr(self, name)}"
                )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- fitted values (issue 12) ------------------------------------------------------------------
# The fields below are chosen by `cuewatch fit DATA_DIR` (pipeline/evaluation/crossval.py): a
# grid search for the best macro-F1 over the labelled clips. `cuewatch eval DATA_DIR --cv`
# repeats the search without each recording in turn to score what a new one can expect.
# Each grid brackets the hand-chosen value by what its reason allows.
FIT_GRID: dict[str, tuple[float, ...]] = {
    "away_yaw_deg": (10.5, 12.0, 13.5),
    "away_head_turn_slack": (0.2, 0.4, 0.6),
    "down_pitch_deg": (10.0, 11.5, 13.0),
    "down_eye_pitch_gain": (1.0, 2.0, 3.0),
    "down_lid_rise_max": (0.0, 0.15, 0.3),
    "down_lower_lid_weight": (0.0, 1.0),
    # Half-shut lids of a yawn or drowsiness sit at 0.4-0.55 of the attending aperture.
    "closed_ratio": (0.45, 0.5, 0.55),
    # Between where closing lids meet (the lower lid at 0.2-0.5 of its attending drop) and
    # where it rests over a lowered eye (0.6-0.75); not "off": a grid that may switch the
    # rule off lets a fold without downcast eyes in it read every downcast eye as shut.
    "closed_lower_lid_min": (0.55, 0.6, 0.65),
}
