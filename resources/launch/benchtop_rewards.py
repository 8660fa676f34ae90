"""Benchtop's task verifiers, in Python (standard library only).

Written by `benchtop export-launch` next to a cluster launch script, so a run moved to TRL or
verl scores completions exactly as Benchtop did: the same correctness and the same reward for
every generative task family (arithmetic, brackets, knights_knaves, word_problems), for choice
tasks read from generated text (brackets_classify, compare, majority, parity) and for imported
datasets. Benchtop's test suite runs this file against its own verifiers on thousands of
completions per family.

Each training row carries the whole Benchtop example (prompt, answer, choices, label, metadata)
as a JSON string in the column `benchtop_example`; everything a verifier needs is in it.

Entry points:
  * TRL:  reward functions `benchtop_reward` (the task's reward), `benchtop_format` (answer
          marker present) and `benchtop_correct` (0/1),
          called as f(completions=[...], benchtop_example=[...], **kwargs) -> list[float].
  * verl: `compute_score(data_source, solution_str, ground_truth, extra_info)` -> float, with
          extra_info["benchtop_example"] holding the example JSON.
  * Shell: `python3 benchtop_rewards.py CORPUS.jsonl` reads {"example": ..., "response": ...}
           lines and prints {"correct": ..., "reward": ..., "format": ...} lines.
"""

import json
import re
import sys
from fractions import Fraction

# ---------------------------------------------------------------- text helpers
# JavaScript's whitespace set (\s and String.prototype.trim), which differs from Python's
# str.isspace() at a few code points; the verifiers must read text the same way.
_WS = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_WS_CLASS = "[" + _WS + "]"
_TRIM_RE = re.compile("^" + _WS_CLASS + "+|" + _WS_CLASS + "+\\Z")
_WS_RUN_RE = re.compile(_WS_CLASS + "+")


def _trim(s):
    return _TRIM_RE.sub("", s)


def _lstrip(s):
    return re.sub("^" + _WS_CLASS + "+", "", s)


# ---------------------------------------------------------------- numbers
# Digits with optional thousands groups and decimals, not glued to a preceding word character
# or dot (ASCII classes, as in the TypeScript verifier).
_NUMBER_RE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!\d)", re.ASCII)
# "answer:", "answer is", "answer =", "####", "\boxed{" (the word in any letter case).
_MARKER_RE = re.compile(
    "[aA][nN][sS][wW][eE][rR]" + _WS_CLASS + "*(?:[iI][sS]" + _WS_CLASS + "*)?[:=]?|####|\\\\[bB][oO][xX][eE][dD]\\{"
)
_DECIMAL_RE = re.compile(
    "^" + _WS_CLASS + "*([+\\-\u2212]?)" + _WS_CLASS + "*(\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.(\\d+))?" + _WS_CLASS + "*\\Z",
    re.ASCII,
)


def parse_decimal(text):
    """'-1,234.50' -> Fraction; None when the text is not one number."""
    m = _DECIMAL_RE.match(text)
    if not m:
        return None
    sign = -1 if m.group(1) in ("-", "\u2212") else 1
    whole = int(m.group(2).replace(",", ""))
    frac = m.group(3) or ""
    scale = 10 ** len(frac)
    return Fraction(sign * (whole * scale + (int(frac) if frac else 0)), scale)


def _sign_start(text, digit_start):
    """A '-' (or U+2212) right before a number is a sign unless an operand precedes it."""
    i = digit_start - 1
    if i >= 0 and text[i] == " ":
        i -= 1
    if i < 0 or text[i] not in ("-", "\u2212"):
        return None
    j = i - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    if j >= 0 and (text[j] in "0123456789)]"):
        return None
    return i


def find_numbers(text):
    """[(value: Fraction, start)] of every number in the text, in order."""
    out = []
    for m in _NUMBER_RE.finditer(text):
        s = _sign_start(text, m.start())
        raw = ("-" if s is not None else "") + m.group(0)
        value = parse_decimal(raw)
        if value is not None:
            out.append((value, s if s is not None else m.start()))
    return out


def extract_answer_number(response, fallback):
    """The first number after the last answer marker, else the first/last number; None if none."""
    marker_end = -1
    for m in _MARKER_RE.finditer(response):
        marker_end = m.end()
    if marker_end >= 0:
        after = find_numbers(response[marker_end:])
        if after:
            return after[0][0]
    found = find_numbers(response)
    if not found:
        return None
    return found[0][0] if fallback == "first" else found[-1][0]


def _verify_number(gold, response, fallback):
    value = extract_answer_number(response, fallback)
    correct = value is not None and value.denominator == 1 and value.numerator == int(gold)
    return correct, 1.0 if correct else 0.0


# ---------------------------------------------------------------- task families
def verify_arithmetic(example, response):
    answer = example["answer"]
    i = answer.rfind("answer:")
    gold = _trim(answer[i + len("answer:"):]) if i >= 0 else answer
    return _verify_number(gold, response, "first")


_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _is_balanced(seq):
    stack = []
    for ch in seq:
        if ch in _PAIRS:
            stack.append(ch)
        elif ch in _CLOSERS:
            if not stack or stack.pop() != _CLOSERS[ch]:
                return False
        else:
            return False
    return not stack


def verify_brackets(example, response):
    prompt = example["prompt"]
    prefix = prompt[:-1] if prompt.endswith("=") else prompt
    written = ""
    for ch in response:  # the bracket run the response starts with, spaces dropped
        if ch in _PAIRS or ch in _CLOSERS:
            written += ch
        elif ch != " ":
            break
    if not written:
        return False, 0.0
    if _is_balanced(prefix + written):
        return True, 1.0
    # The whole sequence restated counts when it keeps the prefix and is balanced.
    if len(written) > len(prefix) and _is_balanced(written) and written.startswith(prefix):
        return True, 1.0
    return False, 0.0


def match_choice(choices, response):
    """Index of the choice the response starts with (longest wins), or None."""
    text = _lstrip(response).lower()
    best = None
    for i, c in enumerate(choices):
        lc = _trim(c).lower()
        if not lc or not text.startswith(lc):
            continue
        nxt = text[len(lc):len(lc) + 1]
        if nxt and (("a" <= nxt <= "z") or ("0" <= nxt <= "9")):
            continue
        if best is None or len(lc) > len(_trim(choices[best])):
            best = i
    return best


def verify_choice(example, response):
    picked = match_choice(example.get("choices") or [], response)
    correct = picked is not None and picked == example.get("label")
    return correct, 1.0 if correct else 0.0


# Knights & Knaves: exact match of the person -> role map; reward 0/1 or the Warm-Up
# format-aware reward (+2 exact, -0.5 wrong, -1 unknown name or role, -2 broken format).
_KK_NATURAL_RE = re.compile(
    r"\b([A-Za-z]+)" + _WS_CLASS + "+is" + _WS_CLASS + "+an?" + _WS_CLASS + r"+(knight|knave)\b",
    re.ASCII | re.IGNORECASE,
)
_KK_COMPACT_RE = re.compile("([a-z])" + _WS_CLASS + "*([+-])")
_KK_COMPACT_LINE_RE = re.compile("^[a-z][+-](?:" + _WS_CLASS + "+[a-z][+-])*\\Z")
_KK_THINK_RE = re.compile("^[\\s\\S]+</think>" + _WS_CLASS + "*<answer>([\\s\\S]+)</answer>" + _WS_CLASS + "*\\Z")


def _kk_gold(example):
    gold = {}
    if example["metadata"].get("format") == "compact":
        for m in re.finditer(r"([a-h])([+-])", example["answer"]):
            gold[m.group(1)] = m.group(2) == "+"
    else:
        for m in re.finditer(r"\((\d+)\) (\S+) is a (knight|knave)", example["answer"]):
            gold[m.group(2).lower()] = m.group(3) == "knight"
    return gold


def _kk_answer_region(response):
    tagged = re.search(r"<answer>([\s\S]*?)(?:</answer>|\Z)", response)
    text = tagged.group(1) if tagged else response
    concl = text.rfind("CONCLUSION:")
    if concl >= 0:
        text = text[concl + len("CONCLUSION:"):]
    cut = text.find("###")
    return text[:cut] if cut >= 0 else text


def _kk_claims(fmt, response):
    if fmt == "compact":
        line = response.split("\n")[0]
        return [(m.group(1), m.group(2) == "+") for m in _KK_COMPACT_RE.finditer(line)]
    region = _kk_answer_region(response)
    return [(m.group(1).lower(), m.group(2).lower() == "knight") for m in _KK_NATURAL_RE.finditer(region)]


def _kk_exact(gold, claims):
    said = {}
    conflict = unknown = False
    for name, knight in claims:
        if name not in gold:
            unknown = True
        if name in said and said[name] != knight:
            conflict = True
        said[name] = knight
    if not said or unknown or conflict or len(said) < len(gold):
        return False
    return all(said.get(n) == k for n, k in gold.items())


def _kk_warmup(fmt, gold, response):
    if fmt == "think":
        ok = (
            response.count("</think>") == 1
            and response.count("<answer>") == 1
            and response.count("</answer>") == 1
            and _KK_THINK_RE.match(response) is not None
        )
        if not ok:
            return -2.0
        lines = re.search(r"<answer>([\s\S]+)</answer>", response).group(1).split("\n")
    elif fmt == "compact":
        first = _trim(response.split("\n")[0])
        if not _KK_COMPACT_LINE_RE.match(first):
            return -2.0
        claims = _kk_claims("compact", first)
        if any(n not in gold for n, _ in claims):
            return -1.0
        return 2.0 if _kk_exact(gold, claims) else -0.5
    else:
        lines = response.split("\n")
    said = {}
    for raw in lines:
        tokens = [t for t in _WS_RUN_RE.split(_trim(raw)) if t]
        if not tokens:
            continue
        if len(tokens) < 2:
            return -1.0
        name = tokens[1].lower()
        role = tokens[-1].lower()
        if name not in gold:
            return -1.0
        if "knight" in role:
            said[name] = True
        elif "knave" in role:
            said[name] = False
        else:
            return -1.0
    exact = len(said) == len(gold) and all(said.get(n) == k for n, k in gold.items())
    return 2.0 if exact else -0.5


def verify_knights_knaves(example, response):
    fmt = example["metadata"].get("format")
    gold = _kk_gold(example)
    correct = _kk_exact(gold, _kk_claims(fmt, response))
    if example["metadata"].get("reward") == "warmup":
        return correct, _kk_warmup(fmt, gold, response)
    return correct, 1.0 if correct else 0.0


def verify_word_problems(example, response):
    gold = parse_decimal(str(example["metadata"].get("gold", "")))
    if gold is None:
        raise ValueError("word_problems example %s has no numeric metadata.gold" % example.get("id"))
    value = extract_answer_number(response, "last")
    correct = value is not None and value == gold
    return correct, 1.0 if correct else 0.0


def verify_imported(example, response):
    """Imported rows: choices -> choice; an integer gold -> number match; else exact first line."""
    # (JavaScript semantics: an empty list of choices still counts as choices; a missing label does not.)
    if example.get("choices") is not None and "label" in example:
        return verify_choice(example, response)
    gold = _WS_RUN_RE.sub(" ", _trim(example["answer"]))
    if re.match(r"^-?\d+\Z", gold.replace(",", ""), re.ASCII):
        return _verify_number(gold.replace(",", ""), response, "first")
    said = _WS_RUN_RE.sub(" ", _trim(response.split("\n")[0]))
    correct = said == gold
    return correct, 1.0 if correct else 0.0


VERIFIERS = {
    "arithmetic": verify_arithmetic,
    "brackets": verify_brackets,
    "brackets_classify": verify_choice,
    "compare": verify_choice,
    "majority": verify_choice,
    "parity": verify_choice,
    "knights_knaves": verify_knights_knaves,
    "word_problems": verify_word_problems,
}


def verify(example, response):
    """(correct, reward) of a response to a Benchtop example (a dict or its JSON text)."""
    if isinstance(example, str):
        example = json.loads(example)
    fn = VERIFIERS.get(example["task"], verify_imported)
    return fn(example, response)


# ---------------------------------------------------------------- answer markers (the format reward)
def _last_answer_marker(response):
    at = -1
    for m in _MARKER_RE.finditer(response):
        at = m.start()
    return at


def _kk_answer_start(response):
    tag = response.find("<answer>")
    return tag if tag >= 0 else response.rfind("CONCLUSION:")


# Where each family's verifier starts reading the answer; families without a marker are absent.
ANSWER_START = {
    "arithmetic": _last_answer_marker,
    "word_problems": _last_answer_marker,
    "knights_knaves": _kk_answer_start,
}


def format_reward(example, response):
    """1.0 when the response holds the task's answer marker, 0.0 when not, None (not applicable) for tasks without one."""
    if isinstance(example, str):
        example = json.loads(example)
    fn = ANSWER_START.get(example["task"])
    if fn is None:
        return None
    return 1.0 if fn(response) >= 0 else 0.0


def weighted_reward(example, response, functions):
    """Sum of weight x value over the reward functions that apply ([{"name", "weight"}];
    names 'correctness' and 'format'); None when none applies."""
    total = None
    for f in functions:
        v = verify(example, response)[1] if f["name"] == "correctness" else format_reward(example, response)
        if v is not None:
            total = (total or 0.0) + f["weight"] * v
    return total


def _completion_text(c):
    # TRL passes plain strings, or a list of chat messages for conversational datasets.
    if isinstance(c, list):
        return "".join(m.get("content", "") for m in c if isinstance(m, dict))
    return c


# ---------------------------------------------------------------- TRL reward functions
def benchtop_reward(completions, benchtop_example, **kwargs):
    """The task's reward (1/0, or the K&K Warm-Up reward when the run used it)."""
    return [verify(e, _completion_text(c))[1] for c, e in zip(completions, benchtop_example)]


def benchtop_format(completions, benchtop_example, **kwargs):
    """The format reward: the answer marker present (1) or not (0); None where the task has none."""
    return [format_reward(e, _completion_text(c)) for c, e in zip(completions, benchtop_example)]


def benchtop_correct(completions, benchtop_example, **kwargs):
    """Binary correctness (what pass@k and accuracy are computed from); log it with weight 0."""
    return [1.0 if verify(e, _completion_text(c))[0] else 0.0 for c, e in zip(completions, benchtop_example)]


# ---------------------------------------------------------------- verl reward function
def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """The run's weighted reward (extra_info.benchtop_reward_functions; default the verifier
    alone). verl needs a number: a completion no function applies to scores 0."""
    if not extra_info or "benchtop_example" not in extra_info:
        raise ValueError("extra_info.benchtop_example is missing; use the data files export-launch wrote")
    functions = extra_info.get("benchtop_reward_functions") or [{"name": "correctness", "weight": 1.0}]
    if isinstance(functions, str):
        functions = json.loads(functions)
    total = weighted_reward(extra_info["benchtop_example"], solution_str, functions)
    return 0.0 if total is None else total


def _main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python3 benchtop_rewards.py CORPUS.jsonl  (lines of {\"example\": ..., \"response\": ...})\n")
        return 2
    out = sys.stdout
    with open(argv[1], encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            correct, reward = verify(row["example"], row["response"])
            fmt = format_reward(row["example"], row["response"])
            out.write(json.dumps({"line": n, "correct": correct, "reward": reward, "format": fmt}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
