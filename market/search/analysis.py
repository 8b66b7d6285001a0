"""Chinese text analysis for the index: normalisation, jieba segmentation with word positions."""

import hashlib
import importlib.resources
import json
import logging
import marshal
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

import jieba
from jieba import finalseg
from whoosh.analysis import Token, Tokenizer

USER_DICT = Path(__file__).with_name("userdict.txt")

# Words that carry no meaning on their own; skipped but still counted for phrase positions.
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 等 在 是 对 为 将 把 被 其 之 以 于 由 并 也 而 中 有 就 都 所 该 这 那 个 一种 一个 "
    "我们 我 本 the a an of and or to in for on with by".split()
)
_WORDY = re.compile(r"\w", re.UNICODE)
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_ALNUM_RUNS = re.compile(r"[a-z]+|\d+")


def _translation_table() -> dict:
    """One character in, one character out: full-width → half-width, upper → lower, 繁 → 简."""
    table = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
    table[0x3000] = 0x20
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = code + 32
        table[code + 0xFEE0] = code + 32
    data = json.loads(importlib.resources.files("zhconv").joinpath("zhcdict.json").read_text("utf-8"))
    for trad, simp in data["zh2Hans"].items():
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[ord(trad)] = ord(simp)
    return table


NORMALISE = _translation_table()


def normalise(text: str) -> str:
    """Normalised text of the same length, so character offsets stay valid for highlighting."""
    return text.translate(NORMALISE)


_segmenter = None
_segmenter_lock = threading.Lock()
_dictionary_dir: Path | None = None
log = logging.getLogger(__name__)


def keep_dictionary_in(directory) -> None:
    """Where the segmenter keeps its prepared dictionary (search.init_app: beside the index)."""
    global _dictionary_dir
    _dictionary_dir = Path(directory)


def segmenter() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer with the project's user dictionary loaded."""
    global _segmenter
    if _segmenter is None:
        with _segmenter_lock:
            if _segmenter is None:
                _segmenter = _load_segmenter()
    return _segmenter


def dictionary_version() -> str:
    """Changes whenever the user dictionary changes: the index records it and reindexes on change."""
    return hashlib.sha256(USER_DICT.read_bytes()).hexdigest()[:12]


def dictionary_file() -> Path:
    """The prepared dictionary of this jieba, user dictionary and Python (the folder of keep_dictionary_in,
    else the temporary folder)."""
    jieba_dict = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    size = jieba_dict.stat().st_size if jieba_dict.is_file() else 0
    key = f"{jieba.__version__}:{size}:{dictionary_version()}:{sys.version_info[:2]}:{marshal.version}"
    name = f"jieba-dictionary-{hashlib.sha256(key.encode()).hexdigest()[:12]}.marshal"
    return (_dictionary_dir or Path(tempfile.gettempdir())) / name


def _load_segmenter() -> jieba.Tokenizer:
    """jieba's dictionary with the user dictionary applied, read from the prepared file when there is one:
    0.25 s instead of 1.3 s for jieba's own cache (which it reads with marshal.load from the open file, a
    read call per object) or 1.5 s to build it, in every process, on its first search."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    path = dictionary_file()
    try:
        freq, total, tags, force_split = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        force_split_before = set(finalseg.Force_Split_Words)
        tokenizer.initialize()
        with USER_DICT.open("rb") as words:  # jieba leaves a path it opened unclosed
            tokenizer.load_userdict(words)
        force_split = sorted(set(finalseg.Force_Split_Words) - force_split_before)
        _keep(path, (tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab, force_split))
        return tokenizer
    tokenizer.FREQ, tokenizer.total, tokenizer.user_word_tag_tab = freq, total, tags
    tokenizer.initialized = True
    for word in force_split:  # user words of frequency 0: what load_userdict would have told jieba
        finalseg.add_force_split(word)
    return tokenizer


def _keep(path: Path, prepared: tuple) -> None:
    """Write the prepared dictionary whole (aside, then renamed) and drop older versions; a folder that
    cannot be written only costs the next process the build again."""
    partial = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            marshal.dump(prepared, out)
        os.chmod(partial, 0o644)  # mkstemp makes it private; the web and the worker may run as other users
        os.replace(partial, path)
        for stale in path.parent.glob("jieba-dictionary-*.marshal"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        log.info("could not keep the prepared dictionary at %s: %s", path, exc)
        if partial is not None:
            Path(partial).unlink(missing_ok=True)


def _sub_words(word: str, freq: dict) -> list[str]:
    """Dictionary words inside a longer word (固态电解质 → 固态, 电解, 电解质), single characters no
    dictionary word covers (高镍三元 → 高, 镍, 三元), and the letter/digit runs of 42crmo."""
    if _HAN.match(word):
        if len(word) < 3:
            return []
        spans = [
            (i, j)
            for i in range(len(word))
            for j in range(i + 2, len(word) + 1)
            if (i, j) != (0, len(word)) and freq.get(word[i:j])
        ]
        covered = {k for i, j in spans for k in range(i, j)}
        return [word[i:j] for i, j in spans] + [ch for k, ch in enumerate(word) if k not in covered]
    runs = _ALNUM_RUNS.findall(word)
    return [r for r in runs if r != word and (len(r) > 1 or r.isdigit())] if len(runs) > 1 else []


_SUB_WORD_CACHE_SIZE = 200_000


def _cached_sub_words(seg: jieba.Tokenizer, word: str) -> list[str]:
    """_sub_words, remembered per segmenter (so a new dictionary starts a new cache)."""
    cache = seg.__dict__.setdefault("market_sub_words", {})
    found = cache.get(word)
    if found is None:
        if len(cache) >= _SUB_WORD_CACHE_SIZE:
            cache.clear()
        found = cache[word] = _sub_words(word, seg.FREQ)
    return found


def _index_words(seg: jieba.Tokenizer, segment: str):
    """What one jieba segment adds to the index: False (punctuation, no position), () (a stop word,
    which keeps its position) or the word and its sub-words."""
    if not _WORDY.search(segment):
        return False
    word = segment.strip()
    if word in STOP_WORDS:
        return ()
    return (word, *_cached_sub_words(seg, word))


class _IndexPlans(dict):
    """jieba segment → what it adds to the index: _index_words, with a lone word as the str itself."""

    def __init__(self, seg: jieba.Tokenizer):
        super().__init__()
        self.segmenter = seg

    def __missing__(self, segment: str):
        plan = _index_words(self.segmenter, segment)
        if plan and len(plan) == 1:
            plan = plan[0]
        self[segment] = plan
        return plan


class ChineseTokenizer(Tokenizer):
    """jieba words with Whoosh word positions (not character offsets), plus sub-words when indexing."""

    def __eq__(self, other):
        return isinstance(other, ChineseTokenizer)

    def words(self, value, mode=""):
        """(word, position, start offset in the normalised text) for every word, sub-words included
        when indexing: the tokens of queries, highlights and Whoosh's own writer (a rebuild uses
        positions)."""
        text = normalise(value)
        seg = segmenter()
        pos = 0
        for segment, start, _end in seg.tokenize(text, mode="default", HMM=True):
            plan = _index_words(seg, segment)
            if plan is False:
                continue
            for word in plan[:1] if mode == "query" else plan:
                yield word, pos, start
            pos += 1

    def positions(self, value) -> tuple[dict[str, int], dict[str, list[int]]]:
        """Every indexed word of value with its word positions, as two dicts: words seen once (most of
        them) → their position, and words seen more often → their positions, as Whoosh's Positions
        format collects them.

        The same words as words(value) (a test holds them equal), with what a segment stands for
        remembered per segment (_IndexPlans): this loop runs for every word of every document of a rebuild.
        """
        seg = segmenter()
        plans = seg.__dict__.get("market_index_plans")
        if plans is None or len(plans) >= _SUB_WORD_CACHE_SIZE:
            plans = seg.__dict__["market_index_plans"] = _IndexPlans(seg)
        found, repeated, pos = {}, [], 0
        seen_at = found.get
        for segment in seg.cut(normalise(value), HMM=True):
            plan = plans[segment]
            if plan.__class__ is str:  # one word, most segments: the loop below spelled out, no tuple to walk
                seen = seen_at(plan)
                if seen is None:
                    found[plan] = pos
                elif seen.__class__ is int:
                    found[plan] = [seen, pos]
                    repeated.append(plan)
                else:
                    seen.append(pos)
                pos += 1
            elif plan is not False:
                for word in plan:
                    seen = seen_at(word)
                    if seen is None:
                        found[word] = pos
                    elif seen.__class__ is int:
                        found[word] = [seen, pos]
                        repeated.append(word)
                    else:
                        seen.append(pos)
                pos += 1
        return found, {word: found.pop(word) for word in repeated}

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = normalise(value) if chars else None
        for word, pos, start in self.words(value, mode):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                offset = text.find(word, start)
                token.startchar = start_char + offset
                token.endchar = token.startchar + len(word)
            yield token


def analyzer() -> ChineseTokenizer:
    return ChineseTokenizer()


MAX_QUERY_CHARS = 200
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"', "＂": '"'})


def clean_query(text: str) -> tuple[str, str | None]:
    """A query normalised, with quotes of every width as ASCII and unbalanced quotes and very long pastes
    tamed; and the notice that says it was cut."""
    text = normalise((text or "").translate(QUOTES))
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text).strip()
    notice = None
    if len(text) > MAX_QUERY_CHARS:
        text, notice = text[:MAX_QUERY_CHARS], f"查询内容过长，只使用了前 {MAX_QUERY_CHARS} 个字"
    if text.count('"') % 2:
        text = text.replace('"', " ")
    return text, notice


def query_words(text: str) -> list[str]:
    """The words a query string is made of, as the index sees them."""
    return [t.text for t in ChineseTokenizer()(text, mode="query")]
