"""Full-text search: ranking, snippets, filters, index kept in sync, and hostile query syntax."""

from __future__ import annotations

import pytest

from grokterm.store.fts_query import fts_query, split_snippet


@pytest.fixture
def corpus(store):
    travel = store.create_conversation("Travel")
    code = store.create_conversation("Code")
    ids = {
        "focused": store.add_message(travel.id, "user", "Kayak rental in Lisbon: where to rent a kayak?").id,
        "passing": store.add_message(travel.id, "assistant", " ".join(
            ["The city has trams, museums, viewpoints and custard tarts."] * 6 + ["A kayak tour exists too."])).id,
        "hyphen": store.add_message(code.id, "user", "the foo-bar flag breaks the build").id,
        "phrase": store.add_message(code.id, "assistant", "the quick brown fox; a fox that is quick").id,
        "accents": store.add_message(code.id, "user", "meet at the café after running").id,
    }
    return store, travel, code, ids


def test_best_match_first_with_titles_and_highlighted_snippets(corpus):
    store, travel, _, ids = corpus
    hits = store.search("kayak")
    assert [h.message_id for h in hits] == [ids["focused"], ids["passing"]]
    assert hits[0].rank <= hits[1].rank
    top = hits[0]
    assert (top.conversation_id, top.conversation_title, top.role) == (travel.id, "Travel", "user")
    assert [text for text, hit in top.parts if hit] == ["Kayak", "kayak"]
    assert top.snippet == "Kayak rental in Lisbon: where to rent a kayak?"
    assert top.highlighted("<", ">") == "<Kayak> rental in Lisbon: where to rent a <kayak>?"
    long_snippet = hits[1].snippet  # a long message is cut around the match
    assert "kayak" in long_snippet and long_snippet.startswith("…") and len(long_snippet) < 200


def test_words_are_anded_phrases_kept_prefixes_and_diacritics(corpus):
    store, _, _, ids = corpus
    assert [h.message_id for h in store.search("kayak lisbon")] == [ids["focused"]]
    assert [h.message_id for h in store.search('"quick brown"')] == [ids["phrase"]]
    assert store.search('"brown quick"') == []
    assert [h.message_id for h in store.search("cafe run*")] == [ids["accents"]]
    assert [h.message_id for h in store.search("kay*")] == [ids["focused"], ids["passing"]]
    assert [h.message_id for h in store.search("lisb", prefix_last=True)] == [ids["focused"]]
    assert [h.message_id for h in store.search("foo-bar")] == [ids["hyphen"]]


@pytest.mark.parametrize("query", [
    "foo-bar", '"', '""', "*", "***", "kayak*", '"unclosed phrase', 'a"b', "AND", "OR kayak", "NOT",
    "NEAR(a b)", "(", ")", "col:kayak", "text:kayak", "^kayak", "'", "\\", "-", "+", "🚣", "\x00", "",
    "   ", "kayak AND", '"kayak" OR "fox"', "%_%", "a" * 500,
])
def test_any_user_query_is_safe(corpus, query):
    store = corpus[0]
    hits = store.search(query)  # never "fts5: syntax error"
    assert isinstance(hits, list)
    assert store.list_conversations(query=query) is not None


def test_filters_by_conversation_and_archived(corpus):
    store, travel, code, _ = corpus
    assert {h.conversation_id for h in store.search("the")} == {travel.id, code.id}
    assert {h.conversation_id for h in store.search("the", conversation_id=code.id)} == {code.id}
    store.archive_conversation(code.id)
    assert {h.conversation_id for h in store.search("the", include_archived=False)} == {travel.id}
    assert any(h.archived for h in store.search("the"))
    assert len(store.search("the", limit=2)) == 2


def test_index_follows_checkpoints_edits_and_deletes(store):
    turn = store.start_turn("question", model="m")
    store.checkpoint(turn.assistant_message_id, "streaming about zebras")
    assert [h.message_id for h in store.search("zebras")] == [turn.assistant_message_id]
    store.finish_message(turn.assistant_message_id, "complete", text="final words about giraffes")
    assert store.search("zebras") == []
    assert [h.message_id for h in store.search("giraffes")] == [turn.assistant_message_id]
    store.delete_conversation(turn.conversation_id)
    assert store.search("giraffes") == [] and store.search("question") == []


def test_fts_query_quotes_every_term():
    assert fts_query("foo-bar") == '"foo-bar"'
    assert fts_query('say "hi there" now*') == '"say" "hi there" "now"*'
    assert fts_query('a"b') == '"a" "b"'
    assert fts_query('"unclosed') == '"unclosed"'
    assert fts_query("last wor", prefix_last=True) == '"last" "wor"*'
    assert fts_query('he said ""quoted""') == '"he" "said" "quoted"'
    assert fts_query("*** - + ( )") is None
    assert fts_query("") is None


def test_split_snippet_marks_matches_and_drops_stray_markers():
    assert split_snippet("a \x01b\x02 c") == (("a ", False), ("b", True), (" c", False))
    assert split_snippet("\x01cut") == (("cut", True),)
    assert split_snippet("x\x02y") == (("xy", False),)


def test_very_common_queries_rank_only_the_newest_matches(store, monkeypatch):
    from grokterm.store import search as search_module

    ancient = store.create_conversation("ancient")
    store.add_message(ancient.id, "user", "common in the old days, and rare")
    c = store.create_conversation("many")
    ids = [store.add_message(c.id, "user", f"common word number {i}").id for i in range(6)]
    newest = store.create_conversation("new")
    last = store.add_message(newest.id, "user", "common again").id
    assert len(store.search("common")) == 8
    assert {x.title for x in store.list_conversations(query="common")} == {"ancient", "many", "new"}
    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    assert {h.message_id for h in store.search("common")} == {ids[4], ids[5], last}
    assert len(store.search("common", conversation_id=c.id)) == 6  # one conversation: no window
    assert len(store.search("rare")) == 1  # few matches: no window
    assert [x.title for x in store.list_conversations(query="common")] == ["new", "many"]
    assert [x.title for x in store.list_conversations(query="ancient")] == ["ancient"]  # by title
