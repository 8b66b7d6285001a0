"""Postings gathered in memory for the bulk writer (bulk.py): a Chinese text field's in flat arrays grouped
per term with numpy, other fields' per term as they come; both handed out a block at a time."""

from array import array
from itertools import repeat
from pickle import dumps

import numpy as np
from whoosh.system import pack_uint

# Blocks of fewer postings are written uncompressed (the format records this per block): zlib does not
# shrink a pickle of a few postings, and setting up a compressor for each one took a fifth of a commit.
# Whoosh meant to skip compressing tiny blocks too; its check is overwritten by the line after it.


class TextPostings:
    """One Chinese text field's postings in flat arrays, grouped per term only at commit.

    Words seen once in a document (most postings) are added a whole document at a time by C-level
    extends; words seen more often, one by one. This loop would otherwise run in Python for every
    posting of a rebuild.
    """

    def __init__(self):
        self.words = Numbering()
        self.ids, self.docnums, self.positions, self.weights = array("I"), array("I"), array("I"), array("d")
        self.repeated_ids, self.repeated_docnums, self.repeated_weights = array("I"), array("I"), array("d")
        self.repeated_values: list[bytes] = []

    def add(self, docnum: int, once: dict[str, int], repeated: dict[str, list[int]], weight: float) -> int:
        """Add one document's words; returns the field's length (Positions.word_values' weights and
        values)."""
        count = len(once)
        self.ids.extend(map(self.words.__getitem__, once))
        self.positions.extend(once.values())
        self.docnums.extend(repeat(docnum, count))
        self.weights.extend(repeat(weight, count))
        length = count
        for word, where in repeated.items():
            self.repeated_ids.append(self.words[word])
            self.repeated_docnums.append(docnum)
            self.repeated_weights.append(len(where) * weight)
            self.repeated_values.append(encode_positions(where))
            length += len(where)
        return length

    def blocks(self, doc_count: int, field_lengths, blocklimit: int):
        """(term bytes, blocks) in term order, as _write_field takes them; the arrays are released on the
        way."""
        if not self.words:
            return
        # UTF-8 keeps code point order, so str terms sort as their bytes do.
        terms = sorted(self.words)
        rank = np.empty(len(terms), np.int64)
        rank[np.fromiter(map(self.words.__getitem__, terms), np.int64, len(terms))] = np.arange(len(terms))
        self.words = None
        ranks = rank[
            np.concatenate([np.frombuffer(self.ids, np.uint32), np.frombuffer(self.repeated_ids, np.uint32)])
        ]
        self.ids = self.repeated_ids = None
        docnums = np.concatenate(
            [np.frombuffer(self.docnums, np.uint32), np.frombuffer(self.repeated_docnums, np.uint32)]
        )
        self.docnums = self.repeated_docnums = None
        order = np.argsort(ranks * (doc_count + 1) + docnums)  # by term, then document: each pair once
        ranks, docnums = ranks[order], docnums[order].astype(np.int64)
        weights = np.concatenate(
            [np.frombuffer(self.weights, np.float64), np.frombuffer(self.repeated_weights, np.float64)]
        )[order]
        self.weights = self.repeated_weights = None
        values = values_in_order(self.positions, self.repeated_values, order)
        self.positions = self.repeated_values = None
        del order

        # Blocks: each term's postings cut every blocklimit postings.
        postings = len(ranks)
        term_starts = np.flatnonzero(np.r_[True, ranks[1:] != ranks[:-1]])  # every numbered word has postings
        del ranks
        term_ends = np.r_[term_starts[1:], postings]
        block_counts = (term_ends - term_starts + blocklimit - 1) // blocklimit
        first_block = np.cumsum(block_counts) - block_counts
        starts = (
            np.repeat(term_starts, block_counts)
            + (np.arange(block_counts.sum()) - np.repeat(first_block, block_counts)) * blocklimit
        )
        ends = np.r_[starts[1:], postings]
        # What W3PostingsWriter keeps per block: the largest weight, the shortest and longest field, and its
        # minified ids (deltas from the block's previous id, the first from 0) and weights.
        maxweights = np.maximum(np.maximum.reduceat(weights, starts), 0).tolist()
        if field_lengths is not None:
            lengths = np.asarray(field_lengths, np.int64)[docnums]
            unknown = np.iinfo(np.int64).max
            minlengths = [
                None if m == unknown else m
                for m in np.minimum.reduceat(np.where(lengths > 0, lengths, unknown), starts).tolist()
            ]
            maxlengths = np.maximum.reduceat(lengths, starts).tolist()
            del lengths
        else:
            minlengths, maxlengths = [None] * len(starts), [0] * len(starts)
        deltas = np.diff(docnums, prepend=0)
        deltas[starts] = docnums[starts]
        weights = weights.astype(np.float32)
        lightest, heaviest = np.minimum.reduceat(weights, starts), np.maximum.reduceat(weights, starts)
        constant = lightest == heaviest
        unit, constant = (constant & (lightest == 1.0)).tolist(), constant.tolist()

        starts, ends, first = starts.tolist(), ends.tolist(), 0
        for word, count in zip(terms, block_counts.tolist()):
            term_blocks = []
            for block in range(first, first + count):
                lo, hi = starts[block], ends[block]
                block_weights = array("f", weights[lo:hi].tobytes())
                mini_weights = (
                    None if unit[block] else block_weights[0] if constant[block] else tuple(block_weights)
                )
                term_blocks.append(
                    (
                        docnums[lo:hi].tolist(),
                        block_weights,
                        values[lo:hi],
                        maxweights[block],
                        minlengths[block],
                        maxlengths[block],
                        tuple(deltas[lo:hi].tolist()),
                        mini_weights,
                    )
                )
            first += count
            yield word.encode("utf-8"), term_blocks


class Numbering(dict):
    """word → its number, the next one for a word not seen before."""

    def __missing__(self, word):
        number = self[word] = len(self)
        return number


def encode_positions(poslist: list[int]) -> bytes:
    """Positions.encode."""
    deltas, base = [], 0
    for pos in poslist:
        deltas.append(pos - base)
        base = pos
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def values_in_order(positions: array, repeated_values: list[bytes], order: np.ndarray) -> list[bytes]:
    """Encoded positions of every posting in the given order: one position's encoding is made once."""
    single = [pack_uint(1) + dumps([pos], 2) for pos in range(max(positions, default=-1) + 1)]
    values = list(map(single.__getitem__, positions))
    values += repeated_values
    ordered = []
    for start in range(0, len(order), 1 << 20):
        ordered += map(values.__getitem__, order[start : start + (1 << 20)].tolist())
    return ordered


def blocks_per_term(terms: dict, field_lengths, blocklimit: int):
    """(term bytes, blocks) in term order for a field kept as term → (docnums, weights, values)."""
    for term in sorted(terms):
        docnums, weights, values = terms[term]
        term_blocks = []
        for start in range(0, len(docnums), blocklimit):
            block_docnums, block_weights = (
                docnums[start : start + blocklimit],
                weights[start : start + blocklimit],
            )
            block_lengths = (
                [field_lengths[d] for d in block_docnums if field_lengths[d]] if field_lengths else []
            )
            term_blocks.append(
                (
                    block_docnums,
                    array("f", block_weights),
                    [v for v in values[start : start + blocklimit] if v],
                    max(0, max(block_weights)),
                    min(block_lengths) if block_lengths else None,
                    max(block_lengths) if block_lengths else 0,
                    None,
                    None,
                )
            )
        yield (term.encode("utf-8") if isinstance(term, str) else term), term_blocks


def append_posting(terms: dict, term, docnum: int, weight: float, vbytes: bytes) -> None:
    entry = terms.get(term)
    if entry is None:
        entry = terms[term] = (array("I"), array("d"), [])
    entry[0].append(docnum)
    entry[1].append(weight)
    entry[2].append(vbytes)
