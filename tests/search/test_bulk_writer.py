"""The rebuild's bulk segment writer writes the index Whoosh's own writer would, term by term."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from whoosh.writing import IndexingError

from market.search import whoosh_backend
from market.search.analysis import ChineseTokenizer
from market.search.base import SearchDocument, SearchRequest
from market.search.whoosh_backend import WhooshBackend, _fields, _PrivateRamStorage, make_schema
from market.search.whoosh_internals.bulk import COMPRESS_FROM_POSTINGS, BulkSegmentWriter
from tests.search.support import tolerate_leaked_files

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "corpus"

EDGE_TEXTS = [
    "",
    "   ",
    "的的的",
    "电池电池电池 电池",
    "固态电解质 固态电解质和正极材料",
    "鋰電池 ＡＩ芯片 ５G C919 42CrMo SM2",
    "!!!???……",
    "a the of and",
    "高镍三元正极材料的制备方法及其在锂离子电池中的应用。" * 12,
    "🙂 emoji 与 <b>html</b>",
]


def corpus_documents(limit: int = 220) -> list[SearchDocument]:
    """Real listings, plus the awkward texts, with enough of them that common words span several blocks."""
    documents = []
    with open(CORPUS / "achievements.jsonl", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            item = json.loads(line)
            documents.append(
                SearchDocument(
                    kind="achievement",
                    object_id=number,
                    title=item["title"],
                    body=item.get("abstract") or "",
                    keywords=item.get("keywords") or [],
                    org_name=item.get("holder") or "",
                    status="published",
                    field="新材料" if number % 3 else None,
                    region="沣西" if number % 2 else "沣东",
                    amount_min=number * 10_000_00 if number % 4 else None,
                    amount_max=number * 40_000_00 if number % 4 else None,
                    date=datetime(2026, 1 + number % 12, 1 + number % 28, tzinfo=timezone.utc),
                    org_id=number % 7,
                )
            )
    with open(CORPUS / "demands.jsonl", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=len(documents) + 1):
            if len(documents) >= limit - len(EDGE_TEXTS):
                break
            item = json.loads(line)
            documents.append(
                SearchDocument(
                    kind="demand",
                    object_id=number,
                    title=item["title"],
                    body=item.get("description") or "",
                    status="published",
                    org_id=number % 7,
                )
            )
    start = len(documents) + 1
    documents += [
        SearchDocument(
            kind="policy",
            object_id=start + i,
            title=text or "无题",
            body=text,
            keywords=[text],
            org_name=text,
            status="published",
        )
        for i, text in enumerate(EDGE_TEXTS)
    ]
    return documents


def build(documents, writer_class=None):
    ix = _PrivateRamStorage().create_index(make_schema())
    writer = writer_class(ix) if writer_class else ix.writer()
    for document in documents:
        writer.add_document(**_fields(document))
    writer.commit()
    return ix


def postings(reader, fieldname, term):
    matcher = reader.postings(fieldname, term)
    found = []
    while matcher.is_active():
        found.append(
            (
                matcher.id(),
                matcher.weight(),
                matcher.value(),
                matcher.block_max_weight(),
                matcher.block_min_length(),
                matcher.block_max_length(),
            )
        )
        matcher.next()
    return found


def term_stats(reader, fieldname, term):
    info = reader.term_info(fieldname, term)
    return (
        info.weight(),
        info.doc_frequency(),
        info.min_length(),
        info.max_length(),
        info.max_weight(),
        info.min_id(),
        info.max_id(),
    )


def test_bulk_writer_writes_every_term_posting_length_and_stored_field_as_whoosh_does():
    documents = corpus_documents()
    expected, actual = build(documents), build(documents, BulkSegmentWriter)
    with expected.reader() as want, actual.reader() as got:
        terms = list(want.all_terms())
        assert list(got.all_terms()) == terms
        assert len(terms) > 5000
        several_blocks = [t for t in terms if want.doc_frequency(*t) > 128]
        assert several_blocks, "the documents should give some terms more than one block"
        for fieldname, term in terms:
            assert term_stats(got, fieldname, term) == term_stats(want, fieldname, term), (fieldname, term)
            assert postings(got, fieldname, term) == postings(want, fieldname, term), (fieldname, term)
        assert got.doc_count_all() == want.doc_count_all() == len(documents)
        for name in ("title", "body", "keywords", "org_name"):
            assert got.field_length(name) == want.field_length(name)
            assert [got.doc_field_length(d, name) for d in range(len(documents))] == [
                want.doc_field_length(d, name) for d in range(len(documents))
            ]
        assert list(got.all_stored_fields()) == list(want.all_stored_fields())
        for name in ("kind", "field", "region", "date"):
            assert list(got.column_reader(name)) == list(want.column_reader(name))


def test_small_blocks_are_left_uncompressed_and_still_read_back(monkeypatch):
    documents = corpus_documents(60)
    actual = build(documents, BulkSegmentWriter)
    with actual.reader() as reader:
        rare = next(
            t
            for t in reader.all_terms()
            if t[0] == "body" and reader.doc_frequency(*t) < COMPRESS_FROM_POSTINGS
        )
        matcher = reader.postings(*rare)
        assert matcher._compression == 0
        common = next(t for t in reader.all_terms() if reader.doc_frequency(*t) >= COMPRESS_FROM_POSTINGS)
        assert reader.postings(*common)._compression > 0


def test_positions_match_the_token_stream_that_queries_and_highlights_use():
    tokenizer = ChineseTokenizer()
    texts = EDGE_TEXTS + [d.body for d in corpus_documents(40)]
    for text in texts:
        from_tokens = {}
        for token in tokenizer(text, positions=True, mode="index"):
            from_tokens.setdefault(token.text, []).append(token.pos)
        once, repeated = tokenizer.positions(text)
        assert all(len(where) > 1 for where in repeated.values()) and not once.keys() & repeated.keys()
        positions = {word: [where] for word, where in once.items()} | repeated
        assert positions == from_tokens, text


def rank(engine, q):
    return [(hit.kind, hit.object_id) for hit in engine.search(SearchRequest(q=q, per_page=50)).hits]


QUERIES = ["电池", "正极材料", '"固态电解质"', "芯片 5G", "烟叶", "镜头驱动", "42CrMo", "鋰電池"]


def test_a_bulk_rebuild_in_several_segments_and_processes_answers_as_whoosh_writer_does(
    tmp_path, monkeypatch
):
    documents = corpus_documents()
    reference = WhooshBackend(None)
    reference.rebuild([], cursor=0)
    with reference.writer() as writer:
        for document in documents:
            writer.upsert(document)
    expected = {q: rank(reference, q) for q in QUERIES}
    assert all(expected[q] for q in QUERIES[:6])

    monkeypatch.setattr(whoosh_backend, "SEGMENT_POSTINGS", 5_000)
    split = WhooshBackend(str(tmp_path / "split"))
    assert split.rebuild(iter(documents), cursor=7) == len(documents)
    assert len(split._open()._segments()) > 3
    assert {q: rank(split, q) for q in QUERIES} == expected
    assert split.read_cursor() == 7

    parallel = WhooshBackend(str(tmp_path / "parallel"))
    parallel.rebuild(iter(documents), cursor=0, processes=2)
    assert sorted(rank(parallel, "电池")) == sorted(expected["电池"])
    assert parallel.counts() == reference.counts()


def test_updates_and_merges_after_a_bulk_rebuild_behave_as_on_any_index(tmp_path):
    documents = corpus_documents(150)
    engine = WhooshBackend(str(tmp_path / "search"))
    engine.rebuild(iter(documents), cursor=0)
    changed = SearchDocument(
        kind="achievement", object_id=1, title="全新的钠离子电池储能系统", status="published"
    )
    with engine.writer() as writer:
        writer.upsert(changed)
        writer.delete("achievement", 2)
    engine._open().writer().commit(optimize=True)  # merges the bulk segment with Whoosh's own
    assert len(engine._open()._segments()) == 1
    assert ("achievement", 1) in rank(engine, "钠离子")
    assert ("achievement", 2) not in rank(engine, documents[1].title)
    assert engine.counts()["achievement"] == sum(d.kind == "achievement" for d in documents) - 1


def test_a_document_refused_before_writing_leaves_the_writer_usable():
    ix = _PrivateRamStorage().create_index(make_schema())
    writer = BulkSegmentWriter(ix)
    with pytest.raises(ValueError):
        writer.add_document(doc_id="x", kind="achievement", title="正常标题", body=12345)
    writer.add_document(**_fields(corpus_documents(1)[0]))
    writer.commit()
    with ix.reader() as reader:
        assert reader.doc_count() == 1


@tolerate_leaked_files  # Whoosh's cancel() leaves its column scratch file to the collector
def test_a_document_that_fails_half_way_leaves_the_writer_to_be_cancelled_not_committed():
    ix = _PrivateRamStorage().create_index(make_schema())
    writer = BulkSegmentWriter(ix)
    writer.add_document(**_fields(corpus_documents(1)[0]))
    with pytest.raises(ValueError):  # the text fields are written by the time the date fails
        writer.add_document(doc_id="x", kind="achievement", title="正常标题", body="正文", date="明天")
    with pytest.raises(IndexingError):
        writer.commit()
    writer.cancel()
    with ix.reader() as reader:
        assert reader.doc_count() == 0


def test_bulk_writer_refuses_a_schema_it_cannot_write():
    from whoosh.fields import TEXT, Schema

    ix = _PrivateRamStorage().create_index(Schema(text=TEXT(vector=True)))
    with pytest.raises(ValueError):
        BulkSegmentWriter(ix)


def test_quick_writes_without_a_worker_never_pile_up_unmerged_segments():
    engine = WhooshBackend(None)
    engine.rebuild([], cursor=0)
    for number in range(1, whoosh_backend.MAX_UNMERGED_SEGMENTS + 12):
        with engine.writer(merge=False) as writer:
            writer.upsert(
                SearchDocument(
                    kind="demand", object_id=number, title=f"第{number}号储能电池需求", status="published"
                )
            )
        assert len(engine._open()._segments()) <= whoosh_backend.MAX_UNMERGED_SEGMENTS
    assert engine.counts()["demand"] == whoosh_backend.MAX_UNMERGED_SEGMENTS + 11
    assert len(rank(engine, "储能电池")) == whoosh_backend.MAX_UNMERGED_SEGMENTS + 11


@tolerate_leaked_files
def test_a_rebuild_that_loses_an_indexing_process_keeps_the_old_index(tmp_path, monkeypatch, capfd):
    from market.search.whoosh_internals import bulk as bulk_writer

    engine = WhooshBackend(str(tmp_path / "search"))
    documents = corpus_documents(40)
    engine.rebuild(iter(documents), cursor=3)

    def die(self, filename, doc_count):
        raise SystemExit(1)  # the indexing process ends without handing back its segment

    monkeypatch.setattr(bulk_writer._BulkSubWriterTask, "_process_file", die)
    with pytest.raises(RuntimeError, match=f"wrote 0 of {len(documents)} documents"):
        engine.rebuild(iter(documents), cursor=9, processes=2)
    assert engine.counts() == WhooshBackend(str(tmp_path / "search")).counts()
    assert sum(engine.counts().values()) == len(documents)
    assert engine.read_cursor() == 3
    assert len(list((tmp_path / "search").glob("index-*"))) == 1
