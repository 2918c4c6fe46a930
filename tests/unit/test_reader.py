"""The bundled reader: it loads offline, gives probabilities, and prefers the sentence that answers."""
import json

import pytest

from retrieval import ConfigError, load_reader, reader_input
from retrieval.reader import BUNDLED_READER

pytestmark = pytest.mark.unit


def test_the_bundled_reader_ships_with_its_figures_and_how_it_was_made():
    meta = json.loads((BUNDLED_READER / "reader.json").read_text())
    assert meta["calibration"]["a"] > 0 and meta["training"]["command"].startswith("python -m eval.reader.train")
    assert 0.5 < meta["held_back_pairs"]["auroc"] <= 1.0
    assert (BUNDLED_READER / "model.onnx").stat().st_size < 40_000_000


@pytest.mark.parametrize("question, answer, other", [
    ("What does SBI stand for?", "SBI stands for Situation, Behaviour, Impact.",
     "Meetings without an agenda waste everyone's time."),
    ("How long do we have to respond to a subject access request?",
     "The organisation must normally respond within one month of receiving the request.",
     "People have rights to be informed, of access and to rectification."),
    ("Who proposed the theory of evolution by natural selection?",
     "Charles Darwin proposed the theory of evolution by natural selection in 1859.",
     "Fossils are found in sedimentary rock."),
])
def test_the_sentence_that_answers_scores_higher(question, answer, other):
    reader = load_reader("bundled")
    scores = reader.score(question, [reader_input("", answer), reader_input("", other)])
    assert ((0 < scores) & (scores < 1)).all()
    assert scores[0] > scores[1]


def test_no_reader_and_a_missing_one(tmp_path):
    assert load_reader("none") is None
    with pytest.raises(ConfigError, match="model.onnx"):
        load_reader(str(tmp_path))


def test_the_decision_weighs_its_signals_and_is_optional():
    from retrieval.reader import answerability

    decision = {"weights": {"lead_logit": 1.0, "passage_coverage": 2.0}, "bias": -1.0}
    strong = answerability(decision, {"lead_logit": 2.0, "passage_coverage": 1.0, "cosine": 0.9})
    weak = answerability(decision, {"lead_logit": -2.0, "passage_coverage": 0.2})
    assert 0 < weak < 0.5 < strong < 1
    assert answerability(None, {"lead_logit": 2.0}) is None


def test_a_sentence_cut_where_overlapping_passages_meet_is_read_whole_once():
    from retrieval.chunking import Chunk
    from retrieval.reading import sentences_of
    from retrieval.search import Hit

    texts = ["Per diem is paid after a voucher. How it is disbursed depends on how much you used the travel card.",
             "how much you used the travel card. You may use the card to get a cash advance.",
             "You may use the card to get a cash advance. It is approved by"]
    hits = [Hit(Chunk(f"c{i}", "c", "C", "S", t, "c.md", "", i), 0.5, 0.1, 0) for i, t in enumerate(texts)]
    got = [s.text for s in sentences_of(hits)]
    assert got == ["Per diem is paid after a voucher.",
                   "How it is disbursed depends on how much you used the travel card.",
                   "You may use the card to get a cash advance.", "It is approved by"]
