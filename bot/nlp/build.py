"""Builds Haven's own spaCy pipeline (`var/spacy/haven_en`) from the gazetteer. Nothing is downloaded.

The pipeline is a blank English tokenizer plus an entity ruler that finds `location`, `need` and
`who_for`; Rasa's SpacyNLP loads it by path (config.yml). Its version is a hash of the patterns, so
a changed gazetteer gives a visibly different model.

    python -m bot.nlp.build [--output PATH]
"""

import argparse
import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import spacy
from spacy.language import Language

from bot.nlp.gazetteer import Gazetteer, default_gazetteer
from bot.nlp.patterns import build_patterns
from bot.settings import ROOT

logger = logging.getLogger(__name__)

PIPELINE_NAME = "haven_en"
DEFAULT_OUTPUT = ROOT / "var" / "spacy" / PIPELINE_NAME
RULER_CONFIG: Dict[str, Any] = {"phrase_matcher_attr": "LOWER", "overwrite_ents": True}
"""LOWER: place names match in any case unless a pattern asks for exact ORTH (ambiguous names)."""
HASH_CHARS = 16


def patterns_hash(patterns: List[Dict[str, Any]]) -> str:
    """A short content hash of the patterns, used as the pipeline's version."""
    encoded = json.dumps(patterns, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:HASH_CHARS]


def build_pipeline(gazetteer: Optional[Gazetteer] = None) -> Language:
    """A blank English pipeline with an entity ruler holding every Haven pattern."""
    patterns = build_patterns(gazetteer or default_gazetteer())
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config=RULER_CONFIG)
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = patterns_hash(patterns)
    nlp.meta["description"] = (
        "Haven: blank English + entity ruler (location, need, who_for) from data/gazetteer/"
    )
    return nlp


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlp.build", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    args = parser.parse_args(argv)
    nlp = build_pipeline()
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    count = len(nlp.get_pipe("entity_ruler"))  # type: ignore[arg-type]
    print(f"Built {PIPELINE_NAME} {nlp.meta['version']}: {count} patterns -> {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
