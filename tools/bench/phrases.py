"""What the load benchmark's survivors say: a realistic mix that exercises NLU, the response selector,
the custom actions (directory look-ups, the safety-plan form) and the emergency path.

Written for the benchmark, never copied from tests/nlu_test.yml (a unit test checks that) or from
the training data, so the model sees these as it would see a stranger's words.
"""

import random
from typing import List, Sequence, Tuple

OPENERS: Tuple[str, ...] = (
    "hi",
    "hello is this the support chat",
    "hiya, i dont really know where to start",
    "can someone help me please",
)

MESSAGE_MIX: Tuple[Tuple[int, Tuple[str, ...]], ...] = (
    # (weight, phrases): questions the assistant answers from its topics (NLU + response selector)
    (6, (
        "how would i go about reporting my ex to the police",
        "do i have to go to the police to get help",
        "if i go to the police what would happen to me after that",
        "my fiance is a serving officer, who can i complain to",
        "he's a cop and says nobody will believe me over him",
        "can i check whether my new partner has been violent before",
        "how do i stop him coming near the house",
        "is there a court order that keeps him away from me",
        "he reads all my messages and tracks where i go on my phone",
        "will he be able to see that i've been on this website",
        "he takes my wages and tells me who i can see, does that count",
        "she screams at me and throws things, i'm a man, is there help for me",
        "are you a real person or a computer",
    )),
    # the directory, through action_find_services (action server + SQL)
    (4, (
        "is there a refuge in leeds",
        "any support services near bristol",
        "who can help me in cardiff",
        "i need help near M14",
        "somewhere i can go in croydon",
        "/show_more",
    )),
    # short replies and button payloads
    (3, ("thank you", "thanks, that helps", "ok", "yes please", "no thanks", "/affirm", "/deny")),
    # the safety-plan form (its validation runs in the action server every turn), and stopping it
    (1, ("can you help me make a plan to stay safe", "/skip", "/stop")),
    # asking for a person
    (1, ("is there a real person i could speak with instead", "/request_human")),
    # danger: the emergency wording, rule-based safety net and NLU together
    (1, ("he's outside banging on the front door right now", "he has just grabbed a knife from the kitchen drawer")),
)

MIN_TURNS = 4
MAX_TURNS = 10


def all_phrases() -> List[str]:
    """Every phrase the benchmark can send."""
    return [*OPENERS, *(phrase for _, phrases in MESSAGE_MIX for phrase in phrases)]


def next_message(rng: random.Random, mix: Sequence[Tuple[int, Tuple[str, ...]]] = MESSAGE_MIX) -> str:
    """A message drawn by topic weight, then uniformly within the topic."""
    weights = [weight for weight, _ in mix]
    phrases = rng.choices([phrases for _, phrases in mix], weights=weights)[0]
    return rng.choice(phrases)


def conversation_script(rng: random.Random) -> List[str]:
    """One conversation: an opener, then MIN_TURNS-1 to MAX_TURNS-1 messages from the mix."""
    turns = rng.randint(MIN_TURNS, MAX_TURNS)
    return [rng.choice(OPENERS), *(next_message(rng) for _ in range(turns - 1))]
