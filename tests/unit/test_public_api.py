"""Each package exposes a small, deliberate surface, and the layers import top-down only:
channels → Rasa → actions → Tutor → capabilities and store; console and CLI → Tutor/store."""
import ast
from pathlib import Path

import pytest

import messages
import retrieval
import store
import tutor

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]

CAPABILITIES = {"retrieval", "assessment", "recommender", "xapi"}
PROJECT = {"messages", "store", "tutor", "actions", "bot", "console", "cli", "eval", "tests"} | CAPABILITIES
# What each package may import from the project (besides itself).
ALLOWED = {
    "messages": set(),
    "store": set(),
    "retrieval": {"store"},
    "assessment": {"store", "retrieval"},
    "recommender": {"store", "retrieval"},
    "xapi": {"store"},
    "tutor": {"messages", "store"} | CAPABILITIES,
    "actions": {"messages", "tutor"},
    "bot": {"messages", "tutor"},
    "console": {"messages", "store", "tutor"},
    "cli": {"messages", "store", "tutor", "bot", "console", "retrieval"},
    "eval": PROJECT - {"eval"},
}


def project_imports(path: Path) -> set[str]:
    """Top-level project packages a module imports, anywhere in it (lazy imports inside functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {n.split(".")[0] for n in names} & PROJECT
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_down_the_layers(package):
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = project_imports(path) - ALLOWED[package] - {package}
        if bad:
            wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert wrong == {}


def test_retrieval_surface():
    assert sorted(retrieval.__all__) == sorted([
        "Answer", "AnswerChain", "AnswerContext", "Citation", "ConfigError", "Embedder", "Generator", "GeneratorUnavailable",
        "IndexNotFound", "IngestReport", "Notice", "QueryEmbedder", "Reader", "RetrievalError", "RetrievalSettings",
        "Retriever", "SUPPORTED_SUFFIXES", "SearchResult", "SentenceEmbedder", "SourceDocument", "UnreadableDocument",
        "audience_allows", "build_answer_chain", "ingest", "load_document", "load_reader", "make_generator", "reader_evidence", "reader_input",
        "split_sentences",
    ])
    assert all(callable(getattr(retrieval, name)) or name == "SUPPORTED_SUFFIXES" for name in retrieval.__all__)


def test_store_surface():
    assert sorted(store.__all__) == sorted([
        "Accounts", "AuditQuery", "AuditTrail", "ConsoleSessions", "Groups", "LoginThrottle", "ThrottlePolicy", "Reports",
        "AnswerConflict", "FEEDBACK_VALUES", "LEARNER_KEYED", "LINKED", "LearningStore", "ProfileStore", "QUESTION_STATUSES",
        "QuestionReviews", "RETAINED",
        "Records", "SHARED", "StoreError", "TrackerEvents", "TranscriptFilter", "Transcripts", "TurnStore", "classify",
        "migrate", "open_database", "pseudonym", "tracker_events", "write_transaction", "Outbox", "OutboxRow", "OutboxStatus",
    ])
    assert all(hasattr(store, name) for name in store.__all__)


def test_xapi_surface():
    import xapi

    assert sorted(xapi.__all__) == sorted([
        "ACTOR_MODES", "Answer", "InvalidStatement", "LrsClient", "LrsSettings", "SendReport", "Sender", "SenderThread",
        "StatementBuilder", "VERBS", "XapiError", "backoff", "problems", "validate_statement", "verb_name",
    ])
    assert all(hasattr(xapi, name) for name in xapi.__all__)


def test_tutor_and_messages_surfaces():
    assert all(hasattr(tutor, name) for name in tutor.__all__) and "Tutor" in tutor.__all__
    assert all(hasattr(messages, name) for name in messages.__all__) and "parse_reply" in messages.__all__
