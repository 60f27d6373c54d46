"""Rule-based recognition of messages that say the writer may harm or kill themselves.

Abuse raises the risk of suicide, and "i want to end it all" must never be read as "stop the
questions". Like `bot.nlp.danger`, this runs under the model and fires however it is typed. It only
looks for the first person ("myself", "my life", "i want to die"): an abuser's threat to kill
*himself* is coercion the survivor is asking about, not a sign that she is at risk. Past or
hypothetical wording is not guarded: a gentle answer with Samaritans' number costs little when it
was not needed.
"""

import logging
from dataclasses import dataclass
from typing import Optional, Tuple

from bot.nlp.danger import MAX_CHARS_CHECKED, compile_rules, normalise

logger = logging.getLogger(__name__)

MEDICINES = (r"(?:pills|tablets|paracetamol|painkillers|meds|medication|antidepressants|insulin|ibuprofen|codeine|"
             r"aspirin|co\s+codamol|sleeping\s+(?:pills|tablets))")
POISONS = r"(?:bleach|poison|antifreeze|weedkiller|rat\s+poison|drain\s+cleaner)"
SELF_HARM_PATTERNS: Tuple[Tuple[str, str], ...] = (
    # "i want to kill myself", "ive been cutting myself", "he told me to kill myself", "wanna kms"
    ("harm_myself", r"\b(?:kill(?:ing)?|hurt(?:ing)?|harm(?:ing)?|hang(?:ing)?|cut(?:ting)?|top(?:ping)?)\s+myself\b"
                    r"|\bi\s+(?:\w+\s+){0,3}?self[\s-]?harm|\bkms\b"),
    # "i want to end my life", "thoughts of taking my own life", "end it all", "i want it all to end"
    ("end_my_life", r"\b(?:end|ending|take|taking)\s+my\s+(?:own\s+)?life\b|\bend\s+it\s+all\b"
                    r"|\bwant\s+(?:it\s+all|everything)\s+to\s+(?:end|be\s+over)\b"),
    # "i want to die", "i wish i was dead", "better off without me", "if i was dead"
    ("want_to_die", r"\b(?:want|wish\s+i\s+could|ready)\s+to\s+die\b"
                    r"|\bwish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)\b"
                    r"|\bbetter\s+off\s+(?:dead|without\s+me)\b|\bif\s+i\s+(?:was|were)\s+dead\b"
                    r"|\brather\s+be\s+dead\b|\b(?:wish|want|hope)\b.*\b(?:not|never)\s+wake\s+up\b"),
    # "i don't want to live anymore", "i do not want to be alive"
    ("not_want_to_live", r"\b(?:do\s+not|dont)\s+want\s+to\s+(?:be\s+alive|live|exist|wake\s+up)\b"
                         r"(?!\s+(?:with|in|like|there|near|under|at|together))"),
    # "i feel suicidal", "having suicidal thoughts", "thinking about suicide", "suicidal"
    ("suicidal", r"\b(?:am|feel|feeling|felt|been|getting)\s+(?:really\s+|so\s+|very\s+)?suicidal\b|^suicidal$"
                 r"|\bsuicidal\s+(?:thoughts|feelings)\b|\b(?:thinking|thought|thoughts)\s+(?:about|of)\s+suicide\b"),
    # "i'm going to take all my pills", "ive got tablets and im taking them all", "an overdose"
    ("overdose", r"\b(?:take|taking|took|swallow|swallowed)\s+all\s+(?:of\s+)?(?:my|the|these)\s+"
                 r"(?:pills|tablets|meds|medication)\b|\b(?:pills|tablets)\b.*\btak(?:e|ing)\s+them\s+all\b"
                 r"|\boverdose\b"),
    # "there's no point living", "no reason to keep living", "life isn't worth living"
    ("no_point_living", r"\bno\s+(?:point|reason)\s+(?:in\s+|to\s+)?(?:keep\s+)?(?:living|live|going\s+on|go\s+on|"
                        r"being\s+alive)\b|\bpoint\s+(?:in|of)\s+living\b|\b(?:not|isnt)\s+worth\s+living\b"
                        r"|\bcannot\s+go\s+on\s+living\b|\b(?:tired|sick)\s+of\s+(?:living|being\s+alive)\b"
                        r"(?!\s+(?:with|in|like|here|there|under|together))"),
    # Harm already done, now (999 comes first in the answer): "ive taken a whole packet of paracetamol",
    # "i just took loads of pills", "i swallowed 30 tablets", "i drank bleach", "i slit my wrists".
    # Medicines only with an amount that is too much, so "i took my tablets" and "some paracetamol" stay quiet.
    ("took_too_much", r"\bi(?:ve|\s+have)?\s+(?:just\s+|already\s+)?(?:took|taken|swallowed|had|downed|necked)\s+"
                      r"(?:(?:a\s+)?(?:whole\s+|full\s+)?(?:packets?|packs?|box(?:es)?|bottles?|strips?|lot|load|loads|"
                      r"bunch|handful|fistful|tub)\s+of|too\s+many|so\s+many|loads\s+of|\d{2,}|twenty|thirty|forty|fifty)"
                      r"\s+(?:of\s+)?(?:my\s+|the\s+|his\s+|her\s+)?(?:\w+\s+)?" + MEDICINES + r"\b"
                      r"|\b(?:overdosed|overdosing)\b"),
    ("took_poison", r"\bi(?:ve|\s+have)?\s+(?:just\s+|already\s+)?(?:drank|drunk|swallowed|took|taken|had|ate|eaten)\s+"
                    r"(?:some\s+|a\s+(?:bottle|cup|glass|mouthful)\s+of\s+)?" + POISONS + r"\b"
                    r"|\bslit\s+my\s+wrists?\b|\bstabbed\s+myself\b"),
    # "ive been saving up my tablets", "stockpiling my meds"
    ("saving_pills", r"\b(?:saving|saved|stockpil\w*|hoard\w*)\s+(?:up\s+)?(?:all\s+)?(?:my|the)\s+"
                     r"(?:pills|tablets|meds|medication)\b"),
    # "i thought about jumping off the bridge", "i keep thinking about stepping in front of a train":
    # the writer, then at most four words and no "he", so "i think he'll jump off a bridge" is his threat.
    ("jump", r"\bi\s+(?:(?!(?:he|she|they)\b)\w+\s+){0,4}?(?:jump|jumping|step|stepping)\s+"
             r"(?:off|in\s+front\s+of)\s+(?:a|the)\s+(?:bridge|building|roof|cliff|train|bus|lorry|car)\b"),
)


@dataclass(frozen=True)
class SelfHarmMatch:
    """Which self-harm rule fired."""

    rule: str


def detect_self_harm(text: Optional[str]) -> Optional[SelfHarmMatch]:
    """Return the first self-harm rule that fires on `text`, or None."""
    if not text:
        return None
    normalised = normalise(text[:MAX_CHARS_CHECKED])
    for name, pattern in compile_rules(SELF_HARM_PATTERNS):
        if pattern.search(normalised):
            return SelfHarmMatch(rule=name)
    return None
