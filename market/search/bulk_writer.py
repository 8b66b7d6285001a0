"""A Whoosh segment writer for rebuilds: postings grouped per term in memory, written a block at a time.

Whoosh's SegmentWriter sends every posting through a pool (a tuple per posting, sorted, spilled to disk)
and then into its posting writer one Python call per posting: about 70 % of a rebuild, against 30 % for
segmentation. This writer keeps each term's postings in arrays while documents are added, and at commit
hands the default codec's posting writer a whole block at a time. The segment it writes is the codec's
own format, so searching, updating and merging work unchanged; tests/search/test_bulk_writer.py checks
it against Whoosh's writer term by term and posting by posting.
"""
from array import array
from pickle import dumps

from whoosh.analysis import IDTokenizer
from whoosh.fields import ID
from whoosh.formats import Existence, Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_uint
from whoosh.writing import IndexingError, SegmentWriter

from market.search.analysis import ChineseTokenizer

# Blocks of fewer postings are written uncompressed (the format records this per block): zlib does not
# shrink a pickle of a few postings, and setting up a compressor for each one took a fifth of a commit.
# Whoosh meant to skip compressing tiny blocks too; its check is overwritten by the line after it.
COMPRESS_FROM_POSTINGS = 8
INDEXED_VALUES_CACHED = 100_000


class BulkSegmentWriter(SegmentWriter):
    """A SegmentWriter for many documents at once (no spelling or vector fields)."""

    def __init__(self, ix, **kwargs):
        for name, field in ix.schema.items():
            if field.separate_spelling() or field.vector:
                raise ValueError(f"bulk writing does not support spelling or vectors ({name})")
        super().__init__(ix, **kwargs)
        # field name → term (str for Chinese text fields, bytes for the rest) → (docnums, weights, values)
        self._postings: dict[str, dict] = {}
        self.posting_count = 0
        self._broken = False
        self._one_position: dict[int, bytes] = {}
        self._indexed_values: dict[tuple, list] = {}
        self._text_fields, self._id_fields = self._fields_of_kind("text"), self._fields_of_kind("id")

    def _fields_of_kind(self, kind: str) -> frozenset[str]:
        if kind == "text":
            return frozenset(name for name, field in self.schema.items()
                             if type(field.format) is Positions and isinstance(field.analyzer, ChineseTokenizer))
        return frozenset(name for name, field in self.schema.items()  # ID: one term, the value itself
                         if type(field) is ID and type(field.format) is Existence and type(field.analyzer) is IDTokenizer)

    def _encode_position(self, pos: int) -> bytes:
        """Positions.encode([pos]), made once per position: most postings have one."""
        encoded = self._one_position[pos] = pack_uint(1) + dumps([pos], 2)
        return encoded

    @staticmethod
    def _encode_positions(poslist: list[int]) -> bytes:
        """Positions.encode."""
        deltas, base = [], 0
        for pos in poslist:
            deltas.append(pos - base)
            base = pos
        return pack_uint(len(deltas)) + dumps(deltas, 2)

    def add_document(self, **fields):
        """SegmentWriter.add_document with postings kept per term (same weights, values and lengths)."""
        self._check_state()
        if self._broken:
            raise IndexingError("a document failed half-way through; cancel this writer")
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        for name in fieldnames:
            if name in self._text_fields and not isinstance(fields[name], (str, type(None))):
                raise ValueError(f"{fields[name]!r} is not text")  # before anything of the document is written
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    terms = self._postings.setdefault(fieldname, {})
                    if fieldname in self._text_fields:
                        length = self._add_text(terms, docnum, field, field.analyzer.positions(value), fieldboost)
                    elif fieldname in self._id_fields:  # Existence.word_values of the one IDTokenizer token
                        if not isinstance(value, str):
                            raise ValueError(f"{value!r} is not text")
                        _append(terms, value, docnum, field.format.field_boost * fieldboost, b"")
                        self.posting_count += 1
                    else:
                        for tbytes, freq, weight, vbytes in self._index_value(fieldname, field, value):
                            _append(terms, tbytes, docnum, weight * fieldboost, vbytes)
                            self.posting_count += 1
                            if field.scorable:
                                length += freq
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                if field.column_type and customval is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(customval))
        except BaseException:
            perdocwriter.cancel_doc()
            self._broken = True  # part of the document is already written: only cancel() is left
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_text(self, terms: dict, docnum: int, field, found: dict, fieldboost: float) -> int:
        """Postings of one Chinese text field from its word positions (Positions.word_values without
        tokens); returns the field's length. Most words occur once, so that case is spelled out: this
        loop runs for every posting."""
        boost, one_position, length = field.format.field_boost, self._one_position, 0
        single_weight = 1.0 * boost * fieldboost
        for word, where in found.items():
            entry = terms.get(word)
            if entry is None:
                entry = terms[word] = (array("I"), array("d"), [])
            entry[0].append(docnum)
            if where.__class__ is int:
                entry[1].append(single_weight)
                vbytes = one_position.get(where)
                entry[2].append(vbytes if vbytes is not None else self._encode_position(where))
                length += 1
            else:
                entry[1].append(len(where) * 1.0 * boost * fieldboost)
                entry[2].append(self._encode_positions(where))
                length += len(where)
        self.posting_count += len(found)
        return length

    def _index_value(self, fieldname: str, field, value) -> list:
        """field.index(value), remembered per value: amounts and dates repeat, and a NUMERIC field turns
        each value into a term per precision step."""
        key = (fieldname, value)
        try:
            found = self._indexed_values.get(key)
        except TypeError:  # an unhashable value (a list of words)
            return list(field.index(value))
        if found is None:
            if len(self._indexed_values) >= INDEXED_VALUES_CACHED:
                self._indexed_values.clear()
            found = self._indexed_values[key] = list(field.index(value))
        return found

    def commit(self, *args, **kwargs):
        if self._broken:
            raise IndexingError("a document failed half-way through; cancel this writer")
        super().commit(*args, **kwargs)

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            self._write_postings(lengths)
        finally:
            self.fieldwriter.close()
            if lengths is not None:
                lengths.close()
        self._postings.clear()

    def _write_postings(self, lengths):
        """Every term in (field, term bytes) order, each block filled at once, as the posting writer would."""
        fieldwriter, schema = self.fieldwriter, self.schema
        doc_count = self.docnum - self.docbase
        for fieldname in sorted(self._postings):
            terms, field = self._postings[fieldname], schema[fieldname]
            if not terms:
                continue
            field_lengths = ([lengths.doc_field_length(d, fieldname) or 0 for d in range(doc_count)]
                             if lengths is not None and field.scorable else None)
            fieldwriter.start_field(fieldname, field)
            compression = fieldwriter._postwriter._compression
            # UTF-8 keeps code point order, so str terms sort as their bytes do.
            for term in sorted(terms):
                docnums, weights, values = terms[term]
                fieldwriter.start_term(term.encode("utf-8") if isinstance(term, str) else term)
                postwriter = fieldwriter._postwriter
                limit = postwriter._blocklimit
                for start in range(0, len(docnums), limit):
                    if start:
                        postwriter._write_block()
                    postwriter._compression = compression if len(docnums) - start >= COMPRESS_FROM_POSTINGS else 0
                    _fill_block(postwriter, docnums[start:start + limit], weights[start:start + limit],
                                values[start:start + limit], field_lengths)
                fieldwriter.finish_term()
            fieldwriter.finish_field()


def _append(terms: dict, term, docnum: int, weight: float, vbytes: bytes) -> None:
    entry = terms.get(term)
    if entry is None:
        entry = terms[term] = (array("I"), array("d"), [])
    entry[0].append(docnum)
    entry[1].append(weight)
    entry[2].append(vbytes)


def _fill_block(postwriter, docnums, weights, values, field_lengths) -> None:
    """Set a posting writer's block buffer to these postings, with the statistics add_posting keeps."""
    postwriter._ids = docnums
    postwriter._weights = array("f", weights)
    postwriter._values = [v for v in values if v]
    postwriter._maxweight = max(0, max(weights))
    block_lengths = [field_lengths[d] for d in docnums if field_lengths[d]] if field_lengths else []
    postwriter._minlength = min(block_lengths) if block_lengths else None
    postwriter._maxlength = max(block_lengths) if block_lengths else 0


class _BulkSubWriterTask(SubWriterTask):
    """Whoosh's indexing process, writing its one segment with a BulkSegmentWriter."""

    def run(self):
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BulkSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
        else:
            self.resultqueue.put((None, set(), writer._finalize_segment()), timeout=5)


class BulkMpWriter(MpWriter):
    """Whoosh's multi-process writer (one segment per process), with bulk writers in the processes."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, batchsize=200, **kwargs)

    def _new_task(self):
        task = _BulkSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                  self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task
