"""A Whoosh segment writer for rebuilds: postings grouped per term in memory, written a block at a time.

Whoosh's SegmentWriter sends every posting through a pool (a tuple per posting, sorted, spilled to disk)
and then into its posting writer one Python call per posting: about 70 % of a rebuild, against 30 % for
segmentation. This writer keeps the postings of Chinese text fields in flat arrays (a document's words
seen once, most of them, are added by a few C-level extends) and groups them per term with numpy at
commit; other fields' postings are kept per term as they come. Each block is then written whole, in the
default codec's own format, so searching, updating and merging work unchanged;
tests/search/test_bulk_writer.py checks it against Whoosh's writer term by term and posting by posting.
"""

from pickle import dumps

from isal import isal_zlib
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.fields import ID
from whoosh.formats import Existence, Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util.numeric import length_to_byte
from whoosh.writing import IndexingError, SegmentWriter

from market.search.analysis import ChineseTokenizer
from market.search.whoosh_internals.postings import TextPostings, append_posting, blocks_per_term

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
        self.perdocwriter._colwriters["_stored"]._child._compress = _compress  # each document's stored fields
        # Chinese text fields: field name → TextPostings; other fields: name → term → (docnums, weights,
        # values)
        self._text_postings: dict[str, TextPostings] = {}
        self._postings: dict[str, dict] = {}
        self.posting_count = 0
        self._broken = False
        self._indexed_values: dict[tuple, list] = {}
        self._text_fields, self._id_fields = self._fields_of_kind("text"), self._fields_of_kind("id")

    def _fields_of_kind(self, kind: str) -> frozenset[str]:
        if kind == "text":
            return frozenset(
                name
                for name, field in self.schema.items()
                if type(field.format) is Positions and isinstance(field.analyzer, ChineseTokenizer)
            )
        return frozenset(
            name
            for name, field in self.schema.items()  # ID: one term, the value itself
            if type(field) is ID and type(field.format) is Existence and type(field.analyzer) is IDTokenizer
        )

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
                raise ValueError(
                    f"{fields[name]!r} is not text"
                )  # before anything of the document is written
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
                    if fieldname in self._text_fields:
                        text = self._text_postings.get(fieldname)
                        if text is None:
                            text = self._text_postings[fieldname] = TextPostings()
                        once, repeated = field.analyzer.positions(value)
                        length = text.add(docnum, once, repeated, 1.0 * field.format.field_boost * fieldboost)
                        self.posting_count += len(once) + len(repeated)
                    elif fieldname in self._id_fields:  # Existence.word_values of the one IDTokenizer token
                        if not isinstance(value, str):
                            raise ValueError(f"{value!r} is not text")
                        append_posting(
                            self._postings.setdefault(fieldname, {}),
                            value,
                            docnum,
                            field.format.field_boost * fieldboost,
                            b"",
                        )
                        self.posting_count += 1
                    else:
                        terms = self._postings.setdefault(fieldname, {})
                        for tbytes, freq, weight, vbytes in self._index_value(fieldname, field, value):
                            append_posting(terms, tbytes, docnum, weight * fieldboost, vbytes)
                            self.posting_count += 1
                            if field.scorable:
                                length += freq
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                if field.column_type and customval is not None:
                    perdocwriter.add_column_value(
                        fieldname, field.column_type, field.to_column_value(customval)
                    )
        except BaseException:
            perdocwriter.cancel_doc()
            self._broken = True  # part of the document is already written: only cancel() is left
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

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
        self._text_postings.clear()

    def _write_postings(self, lengths):
        """Every term in (field, term bytes) order, each block filled at once, as the posting writer would."""
        schema, doc_count = self.schema, self.docnum - self.docbase
        for fieldname in sorted(self._postings.keys() | self._text_postings.keys()):
            field = schema[fieldname]
            field_lengths = (
                [lengths.doc_field_length(d, fieldname) or 0 for d in range(doc_count)]
                if lengths is not None and field.scorable
                else None
            )
            text, blocklimit = self._text_postings.get(fieldname), self.codec._blocklimit
            blocks = (
                text.blocks(doc_count, field_lengths, blocklimit)
                if text is not None
                else blocks_per_term(self._postings[fieldname], field_lengths, blocklimit)
            )
            self._write_field(fieldname, field, blocks)

    def _write_field(self, fieldname: str, field, blocks) -> None:
        """Write each term's blocks: (term bytes, [(docnums, weights, values, maximum weight, minimum length,
        maximum length, minified ids or None, minified weights)])."""
        fieldwriter = self.fieldwriter
        postwriter = compression = None
        for term, term_blocks in blocks:
            if postwriter is None:
                fieldwriter.start_field(fieldname, field)
                postwriter = fieldwriter._postwriter
                compression = postwriter._compression
            fieldwriter.start_term(term)
            postings = sum(len(block[0]) for block in term_blocks)
            postwriter._compression = compression if postings >= COMPRESS_FROM_POSTINGS else 0
            for number, block in enumerate(term_blocks, start=1):
                (
                    postwriter._ids,
                    postwriter._weights,
                    postwriter._values,
                    postwriter._maxweight,
                    postwriter._minlength,
                    postwriter._maxlength,
                ) = block[:6]
                _write_block(postwriter, block[6], block[7], last=number == len(term_blocks))
            fieldwriter.finish_term()
        if postwriter is not None:
            fieldwriter.finish_field()


def _compress(data: bytes, level: int) -> bytes:
    """zlib.compress(data, level) by ISA-L (levels above its best, 3, as 3): the same zlib format, which
    Whoosh's readers decompress with zlib as before, in 10 µs instead of 30–70 µs for a document's stored
    fields or a full block (3 % larger). zlib had taken 0.1 ms of the 1.3 ms a document cost a rebuild."""
    return isal_zlib.compress(data, min(level, isal_zlib.ISAL_BEST_COMPRESSION))


def _write_block(postwriter, mini_ids, mini_weights, last: bool) -> None:
    """W3PostingsWriter._write_block with the block's ids and weights already minified (None: minify here),
    compressed by _compress."""
    if not postwriter._blockcount:
        postwriter._postfile.write(WHOOSH3_HEADER_MAGIC)
    postwriter._terminfo.add_block(postwriter)
    if mini_ids is None:
        mini_ids, mini_weights = postwriter._mini_ids(), postwriter._mini_weights()
    databytes = dumps((mini_ids, mini_weights, postwriter._mini_values()), 2)
    compression = postwriter._compression
    if compression:
        databytes = _compress(databytes, compression)
    ids = postwriter._ids
    infobytes = dumps(
        (
            len(ids),
            ids[-1],
            postwriter._maxweight,
            compression,
            length_to_byte(postwriter._minlength),
            length_to_byte(postwriter._maxlength),
        ),
        2,
    )
    length = len(infobytes) + len(databytes)
    postwriter._postfile.write_int(-length if last else length)  # a term's last block: negative
    postwriter._postfile.write(infobytes)
    postwriter._postfile.write(databytes)
    postwriter._blockcount += 1
    postwriter._new_block()


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
        task = _BulkSubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task
