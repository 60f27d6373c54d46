"""Rule-based recognition of messages that signal immediate danger.

This is the safety net under the NLU model: it must fire on danger however it is typed
(lowercase, typos, text-speak, fragments), even when DIET is unsure. It has no Rasa imports so the
gateway can use the very same check when Rasa is down.

A message is split into clauses; a clause counts as danger when it matches one of the danger
patterns and carries no marker that it talks about the past or a hypothetical ("two years ago",
"what should I do if"). Guarding per clause keeps "he used to hit me and now he's outside" in.
"""

import logging
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Dict, FrozenSet, List, Optional, Pattern, Tuple

logger = logging.getLogger(__name__)

MAX_CHARS_CHECKED = 5000
"""Danger can sit anywhere in a long message; beyond this the message is oversized anyway."""

CLAUSE_BREAK = re.compile(r"[.!?;:,\n]+|\s(?:and|but|so|cos|because|coz)\s+(?:now|then|tonight|today)\b")

TEXT_SPEAK: Dict[str, str] = {
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "im": "i am",
    "i'm": "i am",
    "ive": "i have",
    "gonna": "going to",
    "gona": "going to",
    "goin": "going",
    "gunna": "going to",
    "wanna": "want to",
    "tryna": "trying to",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "plez": "please",
    "pleas": "please",
    "hlp": "help",
    "halp": "help",
    "hellp": "help",
    "hre": "here",
    "heer": "here",
    "knif": "knife",
    "theyll": "they will",
    "helpp": "help",
    "kil": "kill",
    "kll": "kill",
    "kiling": "killing",
    "cant": "cannot",
    "wont": "will not",
    "hell": "he will",
    "shell": "she will",
    "n": "and",
    "r": "are",
    "rn": "right now",
    "nw": "now",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "hubby": "husband",
}
"""Text-speak and dropped apostrophes, expanded before matching. "hell"/"shell" are what
"he'll"/"she'll" become without the apostrophe; as words they never precede a danger verb."""

KEYWORDS: FrozenSet[str] = frozenset(
    """
    killing murder murdering strangle strangled strangling choking choked stabbing stabbed
    knife knives weapon hitting beating punching kicking attacking hurting smashing banging
    breaking outside downstairs upstairs threatening threatened terrified scared frightened
    hiding locked please police ambulance bathroom bedroom window coming trying going
    """.split()
)
"""Words whose typos are corrected before matching (only words of five letters or more)."""

PROTECTED_WORDS: FrozenSet[str] = frozenset(
    """
    looked looking booked cooked hooked knocked rocked sacred scarred scarf shared braking
    baking taking making waking shouting pouting counting bathing beaming heating eating
    seating meaning hunting hinting hosting batting betting hitting sitting getting setting
    whining coming combing doing going owing trying drying crying frying prying paying
    shopping sleeping mothering smoking smashed stashed harder murky sides besides inside
    flocked outsider stabbing voting police polite policy polish please pleased plead
    breathing reading leading heading beating eating cheating bleating treating
    """.split()
)
"""Real words one typo away from a keyword; never "corrected" into one."""

SUBJECT = (
    r"(?:he|she|they|partner|husband|boyfriend|wife|girlfriend|ex|fiance|fiancee|abuser|"
    r"stepdad|stepfather|dad|father|son|brother|man|guy)"
)
"""Who the danger comes from. Family members are included: abuse is not only by partners."""

VICTIM = (
    r"(?:me|us|my\s+\w+|the\s+(?:kids|children|baby|kid|dog)|her|him|you|them|"
    r"(?:himself|herself)\s+and\s+(?:me|us|the\s+kids|the\s+children))"
)
HARM = (
    r"(?:kill|murder|stab|shoot|strangle|choke|hurt|beat|burn|attack|hit|batter|smash\s+my\s+head\s+in|crash|"
    r"drown|run\s+over|set\s+fire\s+to|throw)"
)
INTENDS = (
    r"(?:going\s+to|will|would|wants\s+to|want\s+to|trying\s+to|tried\s+to|about\s+to|threatening\s+to|"
    r"threatened\s+to|threatens\s+to|is\s+to|swore\s+to|swears\s+to|promised\s+to|coming\s+to|coming\s+back\s+to)"
)
EVERYDAY_WEAPON = r"(?:crowbar|baseball\s+bat|cricket\s+bat|golf\s+club|iron\s+bar|metal\s+bar|cleaver)"
"""Objects that are weapons when someone holds them over you, and harmless in a sentence about DIY."""
NOW = r"(?:now|right\s+now|just|again|tonight|this\s+minute|at\s+the\s+moment)"
PRESENT_PLACE = (
    r"(?:here(?!\s+(?:on|illegally|legally|in\s+the\s+uk|in\s+this\s+country|for\s+work|to\s+study))|outside|"
    r"at\s+(?:the|my|our)\s+(?:door|window|front\s+door|back\s+door|house|flat)|downstairs|upstairs|"
    r"in\s+the\s+next\s+room|(?:\d+|a\s+few|five|ten|two)\s+(?:mins?|minutes)\s+away|nearly\s+here|"
    r"next\s+door|on\s+(?:his|her|their|the)\s+way|back\s+(?:here|now)|"
    rf"in\s+(?:the|my|our)\s+(?:house|flat|hall|hallway|kitchen|garden|back\s+garden|front\s+garden|driveway|"
    rf"building)\s+{NOW}|"
    r"(?:looking|staring|peering)\s+(?:in\s+)?(?:through|into|in\s+at)\s+(?:the|my|our)\s+windows?|"
    r"coming\s+(?:back|home|round|over|here|in|for\s+me|after\s+me|for\s+us|to\s+get\s+me|up\s+the\s+stairs|now)|"
    r"breaking\s+in|banging|kicking\s+the\s+door|smashing|trying\s+to\s+(?:get|break)\s+in|"
    r"waiting\s+(?:outside|for\s+me)|parked\s+(?:outside|across|over|opposite|down|up|at|near)|following\s+me|watching\s+the\s+(?:house|flat)|"
    r"coming$|getting\s+in|climbing\s+(?:in|over|through|up)|looking\s+for\s+me|"
    r"searching\s+(?:the\s+\w+\s+)?for\s+me|"
    r"behind\s+me|chasing\s+(?:me|us)|in\s+the\s+car\s+park)"
)

DANGER_PATTERNS: Tuple[Tuple[str, str], ...] = (
    # "he's going to kill me", "he said he'll kill us", "she is trying to strangle me"
    ("threat_to_life", rf"\b{SUBJECT}\b(?:\s+\w+){{0,4}}?\s+{INTENDS}\s+(?!not\b|never\b)(?:\w+\s+)?"
                       rf"{HARM}\s+{VICTIM}\b"),
    # "he is outside", "my ex is at the door", "he is coming back", "he's breaking in"
    ("abuser_present", rf"\b{SUBJECT}\s+(?:is|are|has\s+just\s+(?:come|got)|just\s+(?:came|got))\s+"
                       rf"(?:\w+\s+)?{PRESENT_PLACE}|\b{SUBJECT}\s+(?:has\s+)?just\s+(?:turned|showed|shown)\s+up\b|"
                       r"\btrying\s+to\s+(?:grab|take|snatch)\s+(?:me|the\s+kids|the\s+children|the\s+baby|my\s+\w+)\b"),
    # "he's hitting me", "she is choking me", "they are beating my son"
    ("violence_now", rf"\b{SUBJECT}\s+(?:is|are)\s+(?:\w+\s+)?(?:hitting|beating|punching|kicking|killing|"
                     rf"strangling|choking|attacking|hurting|stabbing|burning|dragging|pinning|battering)\s+{VICTIM}"),
    # "he just hit me", "he strangled me again"
    ("violence_just", rf"\b{SUBJECT}\s+(?:has\s+)?(?:just\s+)?(?:hit|punched|kicked|strangled|choked|stabbed|"
                      rf"attacked|hurt|beat|beaten|battered|pushed|thrown|threw|cut)\s+(?:{VICTIM}\s+)?(?:\w+\s+)?{NOW}\b|"
                      rf"\b{SUBJECT}\s+(?:has\s+)?just\s+(?:hit|punched|kicked|strangled|choked|stabbed|attacked|"
                      rf"hurt|beat|beaten|pushed|threw|cut)\b"),
    # "he's got a knife", "she has a gun", "he grabbed a knife", "knife to my throat";
    # everyday objects only in someone's hands or brought to the door ("he's got a crowbar", "a man outside
    # with a crowbar"), not "i fixed the shed with a crowbar";
    # a belt only in someone's hands ("hes got the belt", "he took his belt off"), not "a black belt in karate"
    ("weapon", r"\b(?:has|have|got|grabbed|grabbing|holding|pulled|pulling|waving|pointing|picked\s+up|with)"
               r"\s+(?:a\s+|the\s+|his\s+|her\s+|out\s+a\s+|out\s+the\s+|a\s+big\s+)?(?:\w+\s+){0,2}(?:knife|knives|gun|"
               r"shotgun|rifle|blade|machete|hammer|axe|weapon)\b|"
               r"\b(?:knife|gun|blade)\s+(?:to|at|against)\s+(?:my|me|the)\b|"
               rf"\b{SUBJECT}\s+(?:is\s+|has\s+)?(?:has|got|grabbed|grabbing|holding|taking|took|taken|pulled|pulling|undoing)"
               r"\s+(?:off\s+)?(?:the|his|her)\s+belt\b|"
               rf"\b{SUBJECT}\s+(?:is\s+|has\s+)?(?:has|got|grabbed|grabbing|holding|waving|picked\s+up)"
               rf"\s+(?:a|the|his|her)\s+{EVERYDAY_WEAPON}\b|"
               r"\b(?:outside|at\s+(?:the|my|our)\s+(?:door|window)|downstairs|upstairs)\b[^.?!]{0,30}"
               rf"\bwith\s+(?:a|the|his|her)\s+(?:\w+\s+)?{EVERYDAY_WEAPON}\b"),
    # "he's breaking the door down", "trying to break in"
    ("breaking_in", r"\b(?:breaking|kicking|smashing|banging\s+on|bashing|hammering\s+on|trying\s+to\s+break)"
                    r"\s+(?:down\s+)?(?:the|my|our)\s+(?:door|doors|window|windows)|"
                    r"\b(?:breaking|kicking|smashing)\s+(?:the\s+|my\s+)?door\s+(?:in|down)\b|"
                    r"\b(?:is|are)\s+breaking\s+in\b|\btrying\s+to\s+(?:break|get)\s+in\b"),
    # "i'm hiding in the bathroom", "locked myself in", "he locked me in"
    ("hiding", r"\b(?:i\s+am|we\s+are)\s+hiding\s+(?:in|from|under|behind)\b|"
               r"\bhiding\s+in\s+(?:the|my|a)\s+(?:bathroom|toilet|loo|bedroom|room|wardrobe|cupboard|car|"
               r"garden|shed)\b|\blocked\s+(?:myself|me|us|the\s+kids|the\s+children)\s+in\b"),
    ("trapped", r"\b(?:will\s+not|cannot)\s+let\s+me\s+(?:out|leave\s+the\s+(?:room|house|flat))\s+"
                r"(?:and|he|she)\b"),
    # "i'm scared for my life", "i think i'm going to die"
    ("fear_for_life", r"\b(?:scared|afraid|terrified|frightened|fear|fearing)\s+(?:for\s+)?(?:my|our)\s+"
                      r"(?:life|lives)\b|\bgoing\s+to\s+die\b|\bwill\s+die\s+tonight\b|"
                      r"\bi\s+am\s+dead\s+(?:when|if|tonight)\b|\btonight\s+i\s+am\s+dead\b|\band\s+i\s+am\s+dead$"),
    # "call the police for me", "send help", "need an ambulance"
    ("asks_for_rescue", r"\b(?:call|ring|phone)\s+(?:the\s+)?(?:police|999|an\s+ambulance|ambulance)\s+"
                        r"(?:for\s+me|please|now|quick|quickly|asap|here)\b|"
                        r"\bsend\s+(?:the\s+)?(?:police|help|an\s+ambulance|someone)\b|"
                        r"\bneed\s+(?:an\s+|the\s+)?(?:ambulance|police)\s+(?:now|here|quick|asap|please)\b"),
    # "he'll crash us both", "he's going to drive into a wall with the kids"
    ("vehicle_threat", rf"\b{SUBJECT}\b(?:\s+\w+){{0,4}}?\s+{INTENDS}\s+(?:crash|"
                       r"drive\s+(?:us\s+|them\s+|the\s+car\s+)?(?:into|off)|run\s+(?:me|us|them)\s+(?:over|off\s+the\s+road))\b|\btrying\s+to\s+run\s+(?:me|us)\s+over\b"),
    # "i'm bleeding", "blood everywhere", "he knocked me out"
    ("injury", r"\b(?:i\s+am|am|we\s+are)\s+bleeding\b|\bblood\s+everywhere\b|\bknocked\s+me\s+(?:out|unconscious)\b|"
               r"\bcannot\s+stop\s+(?:the\s+)?bleeding\b"),
    # "he kicked me and he won't stop"
    ("violence_ongoing", rf"\b(?:hit|hitting|punched|punching|kicked|kicking|beat|beating|hurt|hurting)\s+{VICTIM}\b.*"
                         rf"\b{SUBJECT}\s+(?:will\s+not|cannot)\s+stop\b|\bwill\s+not\s+stop\s+(?:hitting|kicking|"
                         r"punching|beating|hurting|strangling|choking)\b"),
    # "his hands round my neck", "throwing things at me"
    ("strangulation", r"\bhands?\s+(?:round|around|on)\s+my\s+(?:neck|throat)\b|\bthrowing\s+(?:\w+\s+){0,2}at\s+"
                      r"(?:me|us|the\s+kids|my\s+head)\b"),
    # "locked in the room", "he won't let me out", "keeping me in"
    ("kept_in", r"\b(?:i\s+am|am|we\s+are)\s+(?:locked\s+in|trapped)\b|\bwill\s+not\s+let\s+(?:me|us)\s+"
                r"(?:out|leave\s+the\s+(?:house|room|flat))$|\blocked\s+(?:all\s+)?the\s+doors\b|\bkeeping\s+(?:me|us)\s+in\b|"
                r"\bturned\s+up\s+(?:\w+\s+){0,3}(?:and\s+)?will\s+not\s+leave\b"),
    # "poured petrol", "going to burn the house down"
    ("fire", r"\b(?:poured|pouring)\s+petrol\b|"
             r"\b(?:burn|set\s+fire\s+to)\s+(?:the|my|our)\s+(?:house|flat|home|car)\b"),
    # "i don't feel safe right now", "i don't think i'll survive tonight"
    ("unsafe_now", r"\bnot\s+(?:feel\s+)?safe\s+(?:right\s+now|now|tonight)\b|\bsurvive\s+(?:tonight|the\s+night)\b|"
                   r"\bthis\s+is\s+an\s+emergency\b|\bneed\s+(?:help|police)\s+(?:urgently|now|asap)\b"),
    ("cannot_breathe", r"\b(?:cannot|can\s+not)\s+breathe\b"),
    ("cannot_talk", rf"\bcannot\s+(?:talk|speak|call)\s+(?:now\s+)?{SUBJECT}\s+(?:is\s+)?(?:here|next|in|right|"
                    r"listening|watching|outside|will\s+hear|would\s+hear|might\s+hear)\b"),
    ("bare_threat", rf"^(?:going\s+to|will)\s+{HARM}\s+(?:me|us)\b"),
    ("help_now", r"\bhelp\s+(?:me\s+|us\s+)?(?:please\s+)?(?:now|quick|quickly|asap|right\s+now)\b"),
    ("in_danger", r"\b(?:i\s+am|we\s+are|kids\s+are|children\s+are|baby\s+is)\s+in\s+"
                  r"(?:immediate\s+|real\s+|serious\s+)?danger\b"),
)

CRY_FOR_HELP = re.compile(
    r"^(?:oh\s+)?(?:please\s+)*(?:someone\s+|somebody\s+)?(?:help|sos|emergency|danger|in\s+danger)"
    r"(?:\s+(?:me|us|please|now|quick|quickly|someone|somebody|asap|help|right\s+now))*$"
)
"""A whole message that is only a cry for help: "help", "pls help me", "HELP NOW", "sos"."""

GUARDS: Tuple[str, ...] = (
    r"\b(?:years?|months?|weeks?)\s+ago\b",
    r"\blast\s+(?:year|month|summer|winter|christmas)\b",
    r"\bused\s+to\b",
    r"\bin\s+the\s+past\b",
    r"\bwhen\s+i\s+was\s+(?:a\s+)?(?:kid|child|little|young|younger|teenager|with\s+him|with\s+her)\b",
    r"\b(?:what|wat)\s+(?:should|do|can|would)\s+i\s+do\s+if\b",
    r"\bwhat\s+if\b",
    r"\bhow\s+do\s+i\s+know\b",
    r"\bif\s+(?:i|we)\s+(?:am|are|was|were|feel|think|ever)\b",
    r"\bif\s+(?:he|she|they|my\s+\w+)\s+ever\b",
    r"^(?:can|could|would|should|does)\s+(?:he|she|they|my)\b",
    r"^if\s+.*\b(?:can|could|should|do|would)\s+i\b",
    r"\bin\s+case\b",
    r"\b(?:does|do|how\s+does|how\s+do)\s+(?:the\s+)?(?:silent|55|999)\b",
    r"\b(?:friend|sister|daughter|neighbour|neighbor|colleague|cousin|niece|aunt)s?\s+"
    r"(?:is|was|says|said|told|thinks)\b",
    r"\bno\s+longer\b",
    r"\bnot\s+in\s+danger\b",
)
"""Markers that a clause is about the past, a hypothetical, a question about 999, or someone else."""


@dataclass(frozen=True)
class DangerMatch:
    """Which danger rule fired, on which (normalised) clause."""

    rule: str
    clause: str


@cache
def compile_rules(rules: Tuple[Tuple[str, str], ...]) -> Tuple[Tuple[str, Pattern[str]], ...]:
    """Named patterns compiled once: the danger rules here, the self-harm rules in `bot.nlp.self_harm`."""
    return tuple((name, re.compile(pattern)) for name, pattern in rules)


@lru_cache(maxsize=1)
def _compiled_guard() -> Pattern[str]:
    return re.compile("|".join(GUARDS))


def _edit_distance_at_most_one(word: str, keyword: str) -> bool:
    """Damerau-Levenshtein distance ≤ 1 (one insertion, deletion, substitution or swap)."""
    if abs(len(word) - len(keyword)) > 1:
        return False
    if len(word) == len(keyword):
        diffs = [i for i, (a, b) in enumerate(zip(word, keyword, strict=True)) if a != b]
        if len(diffs) <= 1:
            return True
        first, second = diffs[0], diffs[1]
        return len(diffs) == 2 and second == first + 1 and (
            word[first] == keyword[second] and word[second] == keyword[first]
        )
    shorter, longer = sorted((word, keyword), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


@lru_cache(maxsize=4096)
def _correct(word: str) -> str:
    """Map a likely typo of a danger keyword to the keyword ("strangleing" → "strangling")."""
    if word in TEXT_SPEAK:
        return TEXT_SPEAK[word]
    if len(word) < 5 or word in KEYWORDS or word in PROTECTED_WORDS:
        return word
    for keyword in KEYWORDS:
        if _edit_distance_at_most_one(word, keyword):
            return keyword
    return word


def _squeeze_repeats(text: str) -> str:
    """"helllppp" → "help": three or more of a letter in a row never occur in English words."""
    return re.sub(r"([a-z])\1{2,}", r"\1", text)


def normalise(text: str) -> str:
    """Lowercase, drop apostrophes and punctuation, expand text-speak and correct keyword typos."""
    lowered = _squeeze_repeats(text.lower().replace("’", "'").replace("‘", "'"))
    lowered = re.sub(r"(\w)'(\w)", r"\1\2", lowered)
    words = re.findall(r"[a-z0-9]+", lowered)
    return " ".join(_correct(word) for word in words)


def clauses(text: str) -> List[str]:
    """Split a message where a new thought starts, so a past-tense clause doesn't hide a present one."""
    parts = CLAUSE_BREAK.split(text[:MAX_CHARS_CHECKED].lower())
    return [clause for clause in (normalise(part) for part in parts) if clause]


def _clause_danger(clause: str) -> Optional[DangerMatch]:
    if _compiled_guard().search(clause):
        return None
    for name, pattern in compile_rules(DANGER_PATTERNS):
        if pattern.search(clause):
            return DangerMatch(rule=name, clause=clause)
    return None


def detect_danger(text: Optional[str]) -> Optional[DangerMatch]:
    """Return the first danger rule that fires on `text`, or None."""
    if not text:
        return None
    whole = normalise(text[:MAX_CHARS_CHECKED])
    if CRY_FOR_HELP.match(whole):
        return DangerMatch(rule="cry_for_help", clause=whole)
    for clause in clauses(text):
        match = _clause_danger(clause)
        if match:
            return match
    return None


def is_danger(text: Optional[str]) -> bool:
    """True when `text` signals immediate danger."""
    return detect_danger(text) is not None
