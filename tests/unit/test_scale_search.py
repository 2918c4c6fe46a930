"""`tutor eval scale` runs the search benchmark end to end on a tiny corpus and prints its tables."""
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from eval.scale.search_data import real_passages, scaled, shared_data_present, synthetic_base

pytestmark = pytest.mark.unit


def test_the_cli_runs_the_search_benchmark_on_synthetic_vectors(tmp_path: Path):
    out = tmp_path / "scale.md"
    result = CliRunner().invoke(app, ["eval", "scale", "--synthetic", "--sizes", "3000", "--repeats", "1",
                                      "--queries", "15", "--workdir", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = out.read_text()
    for heading in ("## Whole search path", "## Bare dense index and BM25", "## Build, load and memory"):
        assert heading in report and heading in result.output
    path_rows = [line.split(" | ") for line in report.split("Each as it comes")[0].splitlines() if line.startswith("| 3,000 |")]
    assert [row[1] for row in path_rows] == ["flat", "hnsw", "ivf"]
    recall = {row[1]: float(row[5]) for row in path_rows}
    assert recall["flat"] == 1.0 and recall["hnsw"] >= 0.9 and recall["ivf"] >= 0.9
    assert all(float(row[6]) > 0 for row in path_rows)  # LangChain's store was measured beside each
    assert "| 3,000 | flat |" in report.split("Each as it comes")[1]  # the kind the settings choose at this size
    assert "GPU variants" in report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scale.md", "scale.search.json"]  # versions removed


def test_copies_are_near_their_original_and_never_equal():
    base = synthetic_base(50, 5)
    vectors, texts = scaled(base, 160)
    assert (vectors[:50] == base.vectors).all() and texts[50] == texts[0] and texts[159] == texts[9]
    assert 0.9 < float(vectors[50] @ vectors[0]) < 1.0
    assert len({row.tobytes() for row in vectors}) == 160


def test_bad_options_are_refused_clearly(tmp_path: Path):
    result = CliRunner().invoke(app, ["eval", "scale", "--sizes", "ten", "--out", str(tmp_path / "x.md")])
    assert result.exit_code != 0 and "sizes must be numbers" in result.output
    result = CliRunner().invoke(app, ["eval", "scale", "--kinds", "flat,lsh", "--out", str(tmp_path / "x.md")])
    assert result.exit_code != 0 and "lsh" in result.output


@pytest.mark.skipif(not shared_data_present(), reason="../shared evaluation data not present")
def test_real_passages_are_distinct_and_come_from_the_three_sources():
    texts = real_passages(6000)
    assert len(texts) == len(set(texts)) == 6000
    assert any("18F" in t or "TTS" in t for t in texts) and all(len(t) >= 80 for t in texts)
