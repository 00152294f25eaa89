"""The phrases each verbal sign is recognised by, as regular expressions over normalised text.

Written from how interviews are spoken (recruiters' and interviewers' stock phrases and their
common paraphrases), not from the development set's sentences; English only.
"""

from __future__ import annotations

import re


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# --- question --------------------------------------------------------------------------------
# How a question or prompt to the candidate begins, once fillers are stripped.
QUESTION_START = _any(
    r"^(?:what|what's|whats|how|how's|why|when|where|which|who|whom|whose)\b",
    r"^(?:do|does|did|are|were|is|was|have|has|had|can|could|would|will|should|shall|may|might)"
    r" (?:you|your|we|they|there|that|it|this|anything|anyone|any|he|she|i)\b",
    r"^(?:tell|walk|talk|take) (?:me|us)\b",
    r"^(?:describe|explain|define|compare|estimate|imagine|picture|suppose|name|list|share)\b",
    r"^(?:give|show) (?:me|us)\b",
    r"^(?:could|can|would) you\b",
    r"^(?:say|tell me) more\b",
    r"^(?:any|anything) (?:questions?|else)\b",
    r"^(?:i'd|i would|i'm|i am) (?:love|like|keen|curious|interested) (?:to )?(?:hear|know|learn)",
    r"^i'm curious\b",
    r"^(?:and )?what about\b",
    r"^let's hear\b",
)
# Prompts to the candidate that need no question mark ("Tell me about yourself.").
PROMPT = _any(
    r"^(?:tell|walk|talk|take) (?:me|us)\b(?! (?:know|if|when you))",
    r"^(?:describe|explain|define|compare|estimate|imagine|picture|suppose|name|list|share)\b",
    r"^(?:introduce|summari[sz]e|outline|sketch|talk about|go (?:over|through))\b",
    r"^(?:give|show|run) (?:me|us)\b",
    r"^(?:say|tell me) more\b",
    r"^(?:i'd|i would|i'm|i am) (?:love|like|keen|curious|interested) (?:to )?(?:hear|know|learn)",
    r"^i'm curious\b",
    r"^anything (?:you(?:'d)? (?:want|like) to (?:ask|know|add)|to add|else)\b",
    r"\btell (?:me|us) (?:a (?:bit|little) )?(?:more )?(?:about|how|why|what|when)\b",
    r"\b(?:walk|talk|take) (?:me|us) through\b",
)
# How questions run in captions without punctuation.
QUESTION_ANYWHERE = _any(
    r"\btell (?:me|us) (?:a (?:bit|little) )?(?:more )?(?:about|how|why|what|when)\b",
    r"\b(?:walk|talk|take) (?:me|us) through\b",
    r"\bdo you have any questions\b",
    r"\bwhat questions do you have\b",
    r"\bany questions for (?:me|us)\b",
    r"\bcan you (?:tell|describe|explain|give|walk|talk|share)\b",
    r"\bcould you (?:tell|describe|explain|give|walk|talk|share|start)\b",
    r"\bhow (?:would|do|did) you\b",
    r"\bwhat (?:would|do|did|are|is|was) (?:you|your)\b",
    r"\bwhy (?:did|do|would) you\b",
    r"\b(?:are|do|did|have|were|would|could|will) you\b",
    r"\bwhat about you\b",
)
# A "?" on these is not a question to the candidate: an echo, a tag, asking leave to speak.
NOT_QUESTION = _any(
    r"^(?:right|really|yeah|yes|okay|ok|sorry|huh|no|is it|did you|you did|oh really)\?$",
    r"^(?:can|could|may) i (?:give|offer|share|tell|suggest|add)\b",
    r"^(?:you know|know what i mean)\?$",
    r"\bhow (?:are|were) you(?: doing| today| keeping)?\??$|^how's it going\b|^how are things\b",
    r"^can you (?:hear|see) (?:me|my|us|the)\b|^is my (?:audio|screen|video)\b",
    # small talk before the interview proper
    r"\bhow(?:'s| is| was) (?:the|your) (?:day|morning|afternoon|week|journey|trip)\b",
    r"\bdid you find (?:us|the (?:office|place|building))\b|\bcan you share (?:your|the) \w+",
)

# --- follow-up -------------------------------------------------------------------------------
# Phrases that point back at what the candidate just said.
FOLLOW_UP_REFERENCE = _any(
    r"\byou (?:just )?(?:mentioned|said|say|told|described|talked|brought up|were saying)\b",
    r"\bwhen you say\b",
    r"\b(?:going|go|coming|come) back to\b",
    r"\b(?:tell me|say|hear) (?:a (?:bit|little) )?more\b",
    r"\bmore (?:about|on) (?:that|this|it|those|the)\b",
    r"\b(?:elaborate|expand|unpack|dig|drill)\b",
    r"\bwhat (?:do|did) you mean\b",
    r"\b(?:concrete|specific|an) example\b(?! of a time)",
    r"\bfor example\?",
    r"\bwhat happened\b",
    r"\bwhat (?:was|were) the (?:result|outcome|impact|reaction|response|lesson)s?\b",
    r"\b(?:and|so) then what\b",
    r"\blooking back\b|\bin hindsight\b|\bdo differently\b|\bwould you change\b",
    r"\bwhat if\b",
    r"\bhow did (?:that|it|they|this|those|the|he|she|your)\b",
    r"\b(?:why|how) (?:that|this|those|so)\b",
    r"\bwhy (?:did|does|do|was|were|is|would) (?:it|that|this|they|he|she|the)\b",
    r"\b(?:did|does|was|were|is) (?:that|it|this|anything|there|he|she|they)\b",
    r"\bwhat did (?:the|they|he|she|that|it|you (?:do|change|learn))\b",
    r"\b(?:all|about) that\b",
    r"\b(?:in|on|of|about|with|from|for|during|after|behind|to|put|did|do)"
    r" (?:that|those|these|this) \w+",
    r"\b(?:those|these)\b",
    r"\b(?:and|so) (?:how|what|why) (?:do|did|would) you\b",
    r"\binteresting\b|\bthat's (?:a lot|long|impressive|huge|big)\b|\bis (?:a lot|long)\b",
    r"\bouch\b|\bwow\b|\bi love that\b",
    r"\band why\??$|\bwhy not\b|\bwhat else\b|\bin that case\b|\bfrom there\b",
    r"^say (?:\w+ ){1,4}(?:is|are|was|were|goes|went|drops?|rises?)\b",
    r"\b(?:which|what) (?:one|part|bit|branch|option|step)\b",
    r"^(?:and|so|but) (?:the|that|those|this|these) \w+",
    r"\bwhen you (?:were|did|had|moved|left|joined|worked|ran|built|said)\b",
    r"\bhow (?:come|so)\b|\bwhy is that\b|\bis that (?:right|because|why)\b",
    r"\bthat (?:night|day|time|morning|evening|week|year|moment|point|meeting|call|case|client)\b",
    r"\b(?:did|was|were|have|had) (?:you|he|she|they|it) (?:\w+ )?(?:change|try|use|do|get|ever|"
    r"manage|learn|notice|measure|tell|ask|find)\b",
    r"\bafterwards?\b|\bafter that\b|\bin the end\b|\bend(?:ed)? up\b|\bat the time\b",
    r"\b(?:do|did|handle|handled|fix|fixed|solve|solved|manage|managed|turn|turned|deal with|"
    r"approach|approached|decide|decided) (?:that|this|those|it|them)\b",
)
# Pronouns that refer to something already said ("how do you catch them?"): weaker evidence.
ANAPHORA = re.compile(r"\b(?:it|them|they|their)\b")
# Phrases that open a new scripted topic rather than build on the answer.
NEW_TOPIC = _any(
    r"\b(?:switch|switching|change|changing) (?:gears|topics?)\b",
    r"\b(?:different|another|next|new|first|last|final) (?:topic|question|area|thing)\b",
    r"\b(?:move|moving) on\b",
    r"\blet's (?:talk|move|start|switch|turn|look|go)\b",
    r"\b(?:to start|to begin|kick (?:things|it) off|first thing|let's dive in)\b",
    r"\btell (?:me|us) about (?:a|the) time\b",
    r"\b(?:describe|give me an example of) (?:a|the) (?:time|situation)\b",
    r"\bin general\b",
    r"\b(?:any|what|anything (?:else )?you want to ask|anything you'd like to ask)"
    r"(?: other)? questions?\b",
    r"\bwhat (?:is|would you say is) your (?:greatest|biggest)\b",
    r"\bwhere do you see yourself\b",
)

# --- logistics -------------------------------------------------------------------------------
LOGISTICS = _any(
    # pay
    r"\bsalary\b|\bcompensation\b|\bcomp (?:plan|package|range)\b|\bpay (?:range|band|scale)\b",
    r"\bon-?target earnings\b|\bote\b|\bbase (?:pay|salary)\b|\bequity\b|\bstock options\b",
    r"\b(?:our|the|this|salary|pay) (?:range|band)\b|\bband (?:five|six|seven|eight|[0-9])\b",
    r"\bbonus\b|\bday rate\b|\bhourly rate\b|\bexpecting to (?:earn|make)\b",
    r"\b(?:looking for|expecting) in terms of\b|\bexpectations\b",
    r"\bmoney\b|\b(?:figure|number) (?:did you have )?in mind\b|\bhourly\b|\bper hour\b",
    r"\bwhat are you (?:currently )?(?:making|earning|on)\b|\bcurrent (?:salary|package|pay)\b",
    r"\bpackage\b|\bdifferential\b|\bpay (?:is|would be|starts)\b|\bthe pay\b",
    r"\bstart you (?:at|on)\b|\bwhat are you on\b|\bon at the moment\b|\bmileage\b",
    r"\bdepending on experience\b|\bservice charge\b|\b(?:pay|salary|level \w+|grade \w+) scale\b",
    r"\bput (?:something|it|an offer|that) in writing\b|\bshadowing (?:shift|day)\b",
    r"\bwould you (?:be )?(?:moving|move|relocating)\b|\bbe moving (?:to|here)\b",
    r"\b(?:we can|we'd|we will|we'll|we could) (?:pay|offer you)\b|\boffer letter\b",
    r"\bsend (?:you )?(?:over )?the offer\b|\bthe offer\b",
    # start date, notice, availability
    r"\bstart date\b|\b(?:could|can|would|able to|available to) (?:you )?(?:start|join)\b"
    r"(?! by| with| off| the| a\b)",
    r"\bwhen (?:could|can|would) you (?:start|join|begin)\b|\bhow soon\b",
    r"\b(?:post|role|job|position) (?:starts|begins)\b|\bnotice\b|\bavailability\b",
    r"\bjoin us\b|\bcome on board\b|\bfirst day\b|\bwhen would you be available\b",
    r"\bfree to (?:start|join)\b|\bbe here (?:for|by|on|from)\b",
    r"\b(?:start|begin|join) (?:on|in|by|from) (?:the \w+ of|monday|tuesday|wednesday|thursday|"
    r"friday|next|january|february|march|april|june|july|august|september|october|november|"
    r"december)\b",
    # references and checks
    r"\breferences?\b|\breferees?\b|\bbackground check\b",
    r"\b(?:call|speak to|speak with|contact|talk to) (?:a couple of |one of |some of |two of )?"
    r"your (?:previous|former|current|last|old) (?:managers?|employers?|supervisors?|bosses?)",
    # relocation, permits
    r"\brelocat\w*\b|\bvisa\b|\bsponsor\w*\b|\bwork permit\b|\bright to work\b",
    r"\bwork authori[sz]ation\b|\bmove to\b|\bcommute\b|\bmove (?:here|cities|country)\b",
    # next steps, timeline, decision
    r"\bnext (?:steps?|round|stage)\b|\bfinal (?:round|chat|interview|stage)\b",
    r"\b(?:make|reach) (?:a|our|an|the) (?:decision|offer)\b|\bdecision (?:within|by)\b",
    r"\b(?:hear|heard) back\b|\bget back to you\b|\ban answer for you\b|\bthe outcome\b",
    r"\b(?:will|'ll) (?:email|contact|call|reach out)\b|\breach out to you\b",
    r"\btimeline\b|\btimeframe\b|\bschedule (?:it|the|a|your)\b",
    r"\bwhat happens next\b|\bnext (?:stage|phase|part of the process)\b|\bfrom here\b",
    r"\blet you know\b|\bhear from (?:us|me)\b|\bin touch (?:by|within|next|this|on)\b",
    r"\b(?:site|office) (?:tour|visit)\b|\bon-?site (?:interview|visit|day)\b",
    r"\b(?:second|third|final|another|last) (?:interview|round|conversation|call|stage)\b",
    r"\bpanel interview\b|\bassessment (?:centre|center|day)\b|\brecruiter\b",
    r"\b(?:send|email) you (?:the|an?) (?:offer|contract|invite|invitation|details|link)\b",
    r"\bhr will\b|\bthe contract\b|\bpaperwork\b|\bpre-?employment\b|\btiming\b",
    r"\b(?:an answer|a decision|feedback|an offer) (?:by|within|in|next)\b",
    r"\bown (?:car|transport|vehicle|tools)\b|\bdriving licen[cs]e\b|\bcar driver\b",
    r"\bdo you drive\b",
    r"\bother (?:superdays?|assessment (?:centres?|centers?|days?)|final rounds?)\b",
    r"\btake-?home\b|\btake home (?:task|test|exercise)\b|\btrial (?:day|shift|period)\b",
    r"\bcase study\b|\bmeet (?:my|our|the) (?:co-?founders?|founders?|ceo|cto|"
    r"cpo|coo|director|vp|head|managing partner|hiring manager)\b",
    # where else the candidate is interviewing
    r"\bother (?:companies|processes|process|offers?|interviews?|opportunities|firms|employers|"
    r"places|roles|applications)\b",
    r"\btalking to (?:other|anyone|any other)\b|\blooking elsewhere\b|\bcompeting offers?\b",
    r"\bhow far along\b|\bwhere are you (?:at|with|in) (?:your|the|other)\b",
    r"\binterviewing (?:anywhere|elsewhere|with|at)\b|\bin (?:the )?process with\b",
    r"\bin your (?:job )?search\b|\bany (?:offers|deadlines?)\b|\bdeadline\b",
)

# --- selling ---------------------------------------------------------------------------------
# Talk about the organisation, team or role ...
ABOUT_US = _any(
    r"\b(?:we|we're|we've|we'll|our|ours|us|here)\b",
    r"\bthe (?:team|company|role|job|position|school|department|firm|office|practice|ward)\b",
    r"\bthis (?:team|company|role|job|position|place)\b",
    r"\b(?:team|company|culture|people here)\b",
)
# ... in terms that promote it to the candidate.
PROMOTION = _any(
    r"\b(?:growing|grown|growth|grew|doubled|tripled|expanding|scaling|scale)\b",
    r"\b(?:raised|closed) (?:our|a|the) (?:series|round|funding)\b|\bseries [a-e]\b",
    r"\b(?:you'd|you'll|you will|you would) (?:love|enjoy|like|thrive|fit)\b",
    r"\b(?:love|like|enjoy) (?:about )?(?:working|it) here\b|\bpeople (?:really )?(?:like|love)\b",
    r"\b(?:the|a) (?:best|strongest|most interesting|friendliest|great|brilliant|wonderful)"
    r" (?:\w+ )?(?:team|place|company|part|department|time|school|culture)\b",
    r"\b(?:the |one of the )?(?:best|strongest|biggest|fastest|friendliest|leading)"
    r" in (?:the )?\w+",
    r"\b(?:get|gets|real|great|lots of|plenty of) support\b|\bwe pair you\b",
    r"\b(?:brilliant|wonderful|amazing|fantastic|exciting|excellent|strong|really strong|"
    r"unusual|unique|rare|outstanding)\b",
    r"\b(?:invest|investing|budget|mentor\w*|training|coaching|development plan)\b",
    r"\b(?:room|path|chance|opportunit\w*) (?:to grow|into|for growth|to progress|to learn)\b",
    r"\b(?:freedom|autonomy|flexib\w*|impact|ownership|owns?|uncapped)\b",
    r"\bpaid extra\b",
    r"\bwe (?:offer|cover|pay for|provide|give)\b|\b(?:sell|pitch) (?:you|the team|the role)\b",
    r"\bgreat time to join\b|\bwhy (?:i think )?you'd\b",
    r"\bhere's (?:the thing|what's great|why)\b|\bwhat (?:i|we|people) (?:really )?love about\b",
    r"\bthe (?:best|great|nice) (?:thing|part) about\b|\bbrand new\b|\bstate of the art\b",
    r"\btop of the line\b|\bcutting edge\b|\bworld class\b|\baward\b|\bmarket leader\b",
    r"\bindustry leading\b|\b(?:a|real) say in\b|\bpromote from within\b|\bprogression\b",
    r"\b(?:started|progressed|promoted|moved up) (?:as|from|into|to|through)\b",
    r"\bcareer (?:path|growth|ladder|development)\b|\bwork-life balance\b|\bperks\b",
    r"\b(?:great|good|excellent|generous) (?:benefits|culture|people|pay|perks|package)\b",
    r"\b(?:supportive|collaborative|fun|welcoming|proud)\b|\bpeople stay\b|\blow turnover\b",
    r"\bwe (?:look after|take care of|support)\b|\bwe're known for\b|\breputation\b",
    r"\bkind of (?:place|team|company|culture) where\b|\ba (?:place|team|company) where\b",
    r"\bprotected time\b|\b(?:all|fully) paid\b|\bpaid for\b|\bfree (?:lunch|meals|training)\b",
    r"\bwhy (?:people|folks) (?:stay|join|love)\b|\bthat's what (?:i|we|people) (?:love|like)\b",
    r"\bnobody(?:'s| is) (?:waiting|micromanag)",
)

# --- career advice ---------------------------------------------------------------------------
CAREER_ADVICE = _any(
    r"\b(?:my|some|piece of|a bit of|one) (?:honest )?advice\b|\bif i were you\b",
    r"\b(?:be|being) (?:straight|honest|frank|blunt) with you\b|\bmy two cents\b",
    r"\bjust my (?:opinion|view|take)\b|\bif you want my (?:opinion|advice|take)\b",
    r"\bi'd (?:really |strongly )?(?:recommend|suggest|advise)\b",
    r"\bi (?:would )?(?:really |strongly )?(?:recommend|suggest|advise)\b",
    r"\byou (?:should|might|may|could|ought to) (?:really |maybe |also |probably )?"
    r"(?:want to |think about |consider |look |try |focus |apply |get |learn |build |work on |"
    r"specialis|specializ|go for |start )",
    r"\b(?:have you|did you ever) (?:thought|considered|think) (?:about )?"
    r"(?:applying|moving|going|switching|looking)\b",
    r"\bbetter (?:fit|suited|match)\b|\bstronger fit\b|\bsuit you better\b|\bmight suit you\b",
    r"\b(?:too|a bit|a little|quite) (?:senior|junior|advanced) for you\b|\bnot (?:quite )?ready\b",
    r"\b(?:look|looking) (?:at|into) (?:our|other|the) [\w ]{0,30}"
    r"(?:instead|openings|roles|positions|program|programme|team)\b",
    r"\b(?:try|apply to|apply for) (?:some |a few |other |smaller |bigger )+"
    r"(?:companies|startups|firms|roles)\b|\bapply to [\w ]{0,20}startups\b",
    r"\b(?:get|gain|build) (?:some |more )+(?:[\w-]+ )?(?:experience|exposure)\b",
    r"\bbefore you (?:go for|apply|move)\b|\bin your next interviews?\b",
    r"\bearly in your career\b|\bstands? out on (?:a|your) (?:cv|resume)\b",
    r"\b(?:certificat\w*|portfolio|bootcamp|course)\b.*\b(?:help|stand out|apply|before)\b",
    r"\bthink about specialis|\bthink about specializ",
    r"\bnatural (?:home|fit)\b|\brecommendation (?:would be|is)\b|\bi'd encourage you\b",
    r"\bi (?:would )?encourage you\b|\byou'd be better off\b|\byou'd do well to\b",
    r"\b(?:spend|get|do) (?:a couple of|a few|some|two|three) years (?:at|in|doing|as)\b",
    r"\b(?:a|at a) smaller (?:firm|company|team|shop|agency|startup)\b",
    r"\b(?:would|might|could) (?:likely |probably )?be a (?:better|more natural|good|great)"
    r" (?:home|fit|place|match) for you\b",
    r"\bfor someone (?:like you|with your (?:background|experience|profile))\b",
    r"\b(?:different|another|other) (?:path|direction|field|career|industry|track)\b",
    r"\bwork on your\b|\btake some time to\b",
    r"\bmake more sense for you\b|\bserve you (?:better|well)\b",
    r"\b(?:may|might|would|could) (?:be (?:better|wiser|smarter) (?:for you|to))\b",
    r"\bbe in a (?:much )?(?:stronger|better) position\b|\b(?:at|in) your stage\b",
    r"\bi'd (?:finish|focus on|start with|go for|wait|hold off)\b",
    r"\bwhere your (?:experience|strengths?|background|skills?) (?:is|are|lies|lie)\b",
)

# --- structure: what the phrase lists cannot enumerate ----------------------------------------
# Career advice in other words: a hedged suggestion ("might be worth", "you could", "I'd say")
# about the candidate's path (roles, places, skills) ...
ADVICE_HEDGE = _any(
    r"\b(?:might|could|maybe|perhaps|probably|worth|should|would be|you'd be|i'd say|"
    r"i would say|if i were|you'd (?:have|learn|enjoy|do|get))\b"
)
ADVICE_TOPIC = _any(
    r"\b(?:roles?|positions?|jobs?|group|careers?|companies|company|studios?|firms?|startups?|"
    r"agenc(?:y|ies)|course|portfolio|cv|resume|profile|background|skills?|certificat\w*|"
    r"programme|program|apprenticeship|experience|side|field|industry|direction|path|"
    r"consultanc(?:y|ies)|elsewhere|somewhere)\b"
)
# ... addressed to the candidate, or sending them to apply elsewhere.
ADVICE_TO_YOU = _any(r"\b(?:you|your|you'd|you're|you'll)\b", r"\bapply(?:ing)? (?:to|for)\b")
