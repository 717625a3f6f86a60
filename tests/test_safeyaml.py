"""Every YAML hazard is an error with a line and column, never a surprise or a traceback."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from reviewsite.safeyaml import MAX_BYTES, YamlError, loads


def error_of(raw: bytes) -> YamlError:
    with pytest.raises(YamlError) as info:
        loads(raw)
    return info.value


def test_values_stay_strings():
    doc = loads(b'pmid: 012345\nflag: no\nwhen: 2021-03-04\ntime: 12:30\nratio: 1.10\nempty:\n').data
    assert doc == {"pmid": "012345", "flag": "no", "when": "2021-03-04", "time": "12:30", "ratio": "1.10",
                   "empty": None}


def test_duplicate_key():
    err = error_of(b"title: A\nother: x\ntitle: B\n")
    assert (err.line, err.col) == (3, 1)
    assert "duplicate key 'title' (first at line 1)" in err.message


def test_alias_bomb_is_rejected_fast_and_small():
    bomb = b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i, prev in zip("bcdefghi", "abcdefgh", strict=True):
        bomb += f"{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n".encode()
    start = time.perf_counter()
    err = error_of(bomb)
    assert time.perf_counter() - start < 1.0
    assert err.line == 1 and "anchors and aliases are not allowed" in err.message


def test_alias_bomb_memory_in_subprocess():
    code = (
        "from reviewsite.safeyaml import loads, YamlError\n"
        "b = b'a: &a [1,1,1,1,1,1,1,1,1]\\n' + b''.join("
        "f'{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\\n'.encode() "
        "for c, p in zip('bcdefghij', 'abcdefghi'))\n"
        "try:\n    loads(b)\nexcept YamlError:\n    pass\n"
        # VmHWM is this process's own peak; ru_maxrss would include the parent's peak at exec (Linux),
        # i.e. the size of the whole pytest process.
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30)
    assert int(out.stdout.strip()) < 100 * 1024  # KiB: under 100 MB


def test_single_anchor_is_rejected_too():
    err = error_of(b"a: &x 1\nb: 2\n")
    assert (err.line, err.col) == (1, 4)


@pytest.mark.parametrize(
    "raw",
    [b'x: !!python/object/apply:os.system ["touch MARKER"]\n', b"x: !!str 1\n", b"x: !custom 1\n"],
)
def test_tags_are_rejected(raw, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = error_of(raw)
    assert err.line == 1 and "tags are not allowed" in err.message
    assert not (tmp_path / "MARKER").exists()


def test_tab_indentation():
    err = error_of(b"a:\n\tb: 1\n")
    assert (err.line, err.col) == (2, 1)
    assert "tab character" in err.message


def test_trailing_tab():
    err = error_of(b"a: 1\t\n")
    assert (err.line, err.col) == (1, 5)


def test_multiple_documents():
    err = error_of(b"a: 1\n---\nb: 2\n")
    assert err.line == 2 and "exactly one YAML document" in err.message


def test_invalid_utf8_position():
    err = error_of(b"title: ok\nname: caf\xe9\n")
    assert (err.line, err.col) == (2, 10)
    assert "UTF-8" in err.message


def test_nul_and_control_characters():
    err = error_of(b"a: x\nb: y\x00z\n")
    assert (err.line, err.col) == (2, 5)
    err = error_of(b"a: \x07\n")
    assert (err.line, err.col) == (1, 4)


def test_bidi_override_rejected():
    err = error_of("a: abc\u202edef\n".encode())
    assert (err.line, err.col) == (1, 7)


def test_utf16_rejected():
    err = error_of("a: 1\n".encode("utf-16"))
    assert "UTF-16" in err.message


def test_bom_accepted():
    assert loads(b"\xef\xbb\xbfa: '1'\n").data == {"a": "1"}


def test_size_limit():
    err = error_of(b"a: " + b"x" * MAX_BYTES + b"\n")
    assert "file too large" in err.message


def test_deep_nesting_is_an_error_not_a_recursion_error():
    err = error_of(b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n")
    assert "nesting too deep" in err.message


def test_syntax_error_points_where_the_unclosed_list_opens_with_a_plain_hint():
    err = error_of(b"a: [1, 2\nb: 3\n")
    assert (err.line, err.col) == (1, 4)
    assert err.message.startswith("YAML syntax error: the list that opens here is missing a ',' or its closing ']'")


@pytest.mark.parametrize(("text", "where", "hint"), [
    (b'title: "x"\nsummary: |\n  text\n evidence: []\n', (4, 2), "indented differently"),
    (b'title: "x"\nsummary "text"\nfoo: 1\n', (2, 1), "has no ':' after it"),
    (b"title: x: y\n", (1, 9), "put text that contains ': ' in quotes"),
    (b'title: "abc\nsummary: ok\n', (1, 8), "the quote or bracket that opens here is never closed"),
])
def test_syntax_errors_say_what_is_likely_wrong(text, where, hint):
    err = error_of(text)
    assert (err.line, err.col) == where
    assert hint in err.message and "[parser: " in err.message


def test_top_level_must_be_mapping():
    assert "top level must be a mapping" in error_of(b"- a\n- b\n").message
    assert "file is empty" in error_of(b"# only a comment\n").message


def test_merge_key_rejected():
    assert "merge keys" in error_of(b"<<: {a: 1}\n").message


def test_locate_value_and_key():
    located = loads(b"a:\n  b:\n    - x\n    - y\n  c: z\n")
    assert located.find(("a", "b", 1)) == (4, 7)
    assert located.find(("a", "c"), key=True) == (5, 3)
    assert located.find(("a", "missing")) == (2, 3)  # falls back to the nearest known parent
