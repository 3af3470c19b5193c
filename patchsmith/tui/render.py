"""Rich renderables for one step, the patch view and the run's totals (no Textual here)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.rule import Rule
from rich.text import Text

from patchsmith.agent.trajectory import ExitReason, Step
from patchsmith.tools.base import plain_summary
from patchsmith.tools.registry import tool_named

from .model import Exchange, RunModel

MAX_OBSERVATION_CHARS = 200_000  # one huge observation must not stall the UI; the rest is noted as cut
_PASS = {"passed", "pass", "ok", "success", "xfail"}


def one_line(text: str, width: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def step_summary(step: Step) -> str:
    """A one-line description of what the step did, for the step list (the tool words it)."""
    action = step.action
    if action is None:
        return one_line(step.thought) or "(no action)"
    data = step.observation.data if isinstance(step.observation.data, dict) else {}
    tool = tool_named(action.tool)
    return one_line(tool.summary(action.args, data) if tool else plain_summary(action.args))


def diff_text(diff: str) -> Text:
    """A unified diff coloured line by line (cheaper than a lexer and just as readable)."""
    out = Text()
    for line in diff.splitlines():
        if line.startswith(("+++", "---", "diff --git", "index ")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = ""
        out.append(line + "\n", style=style)
    return out


def edit_diff(step: Step) -> str | None:
    """The change an editing step made, as its tool reports it (None for steps that change no file)."""
    action = step.action
    tool = tool_named(action.tool) if action is not None else None
    if action is None or tool is None or tool.diff_of is None:
        return None
    return tool.diff_of(action.args, step.observation.data if isinstance(step.observation.data, dict) else {})


def _json(args: dict[str, Any]) -> RenderableType:
    """Arguments as highlighted JSON (rich's regex highlighter: no lexer to load before the first paint)."""
    from rich.json import JSON

    return JSON.from_data(args, indent=2, ensure_ascii=False)


# A shell command coloured by a few regexes: strings, options, operators, the command words. Every step of an
# imported SWE-agent / mini-swe-agent run is a command, and pygments' lexer took ~30 ms to load before the
# first paint of one.
_SHELL = ((r"(?:^|(?<=[|;&] )|(?<=[|;&]))\s*[\w./-]+", "bold green"), (r"(?<![\w-])--?[\w-]+", "cyan"),
          (r"\|\||&&|[|;<>]", "bold magenta"), (r"'[^']*'|\"(?:[^\"\\]|\\.)*\"", "yellow"))


def _shell(code: str) -> Text:
    text = Text(code)
    for pattern, style in _SHELL:
        text.highlight_regex(pattern, style)
    return text


def action_renderable(step: Step) -> RenderableType:
    action = step.action
    if action is None:
        return Text("(no action)", style="dim")
    title = Text.assemble(("▶ ", "bold"), (action.tool, "bold magenta"))
    args = dict(action.args)
    parts: list[RenderableType] = [title]
    diff = edit_diff(step)
    if diff is not None:
        for key in ("old_str", "new_str"):
            args.pop(key, None)
        parts.append(_json(args))
        parts.append(diff_text(diff))
        return Group(*parts)
    tool = tool_named(action.tool)
    if set(args) == {"command"} or (tool is not None and tool.runs_commands and "command" in args):
        parts.append(_shell(str(args.get("command", ""))))
    elif args:
        parts.append(_json(args))
    return Group(*parts)


def test_lists(data: dict[str, Any]) -> RenderableType | None:
    tests = data.get("tests")
    if not isinstance(tests, list) or not tests:
        return None
    passed = [t for t in tests if isinstance(t, dict) and str(t.get("status", "")).lower() in _PASS]
    failed = [t for t in tests if isinstance(t, dict) and str(t.get("status", "")).lower() not in _PASS]
    out = Text()
    counts = data.get("counts")
    if isinstance(counts, dict):
        out.append("tests: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + "\n", style="bold")
    out.append(f"✗ failing ({len(failed)})\n", style="bold red")
    for t in failed:
        out.append(f"  ✗ {t.get('id', '?')} [{t.get('status', '')}]", style="red")
        if t.get("message"):
            out.append(f"  {one_line(str(t['message']), 100)}", style="dim")
        out.append("\n")
    out.append(f"✓ passing ({len(passed)})\n", style="bold green")
    for t in passed:
        out.append(f"  ✓ {t.get('id', '?')}\n", style="green")
    return out


def observation_renderable(step: Step) -> RenderableType:
    obs = step.observation
    head = Text("◀ observation", style="bold")
    if not obs.ok:
        head.append(f"  error: {one_line(obs.error or 'failed', 100)}", style="bold red")
    if obs.truncated:
        head.append("  (truncated for the model)", style="yellow")
    text = obs.text
    note = None
    if len(text) > MAX_OBSERVATION_CHARS:
        note = Text(f"[… {len(text) - MAX_OBSERVATION_CHARS} more characters not shown …]", style="yellow")
        text = text[:MAX_OBSERVATION_CHARS]
    parts: list[RenderableType] = [head]
    tests = test_lists(obs.data) if isinstance(obs.data, dict) else None
    if tests is not None:
        parts.append(tests)
    parts.append(Text(text, style="" if obs.ok else "red"))
    if note is not None:
        parts.append(note)
    return Group(*parts)


def answer_source(exchange: Exchange) -> str:
    """Where the answer came from, in words (what a reviewer must know to weigh the run)."""
    data = exchange.data
    if exchange.source == "user":
        return "you (the person at the console or in the live view)" + ("" if exchange.answer else ", who declined")
    if exchange.source == "hints":
        return "the task's hints_text (run --clarify hints)" + ("" if exchange.answer else ": nothing relevant")
    if exchange.source == "earlier":
        return f"an earlier answer (attempt {data.get('from_attempt', '?')}, from {data.get('origin', '?')}); " \
               "not asked again"
    if exchange.source == "limit":
        return "no one: the task's question budget was spent"
    return "no one (no answer was recorded for this question)"


def qa_renderable(exchange: Exchange) -> RenderableType:
    """An `ask_user` step: the question with its choices, the answer and where it came from, in one box."""
    from rich.panel import Panel

    body = Text()
    body.append("❓ asked by ", style="bold cyan")
    body.append(exchange.asked_by + "\n", style="cyan")
    body.append(exchange.question + "\n")
    for n, choice in enumerate(exchange.choices, 1):
        body.append(f"   {n}. {choice}\n", style="dim")
    body.append("\n💬 answer", style="bold green" if exchange.answer else "bold yellow")
    body.append(" from " + answer_source(exchange) + "\n", style="green" if exchange.answer else "yellow")
    body.append(exchange.answer or "(no answer: the agent was told to decide and say so)",
                style="" if exchange.answer else "italic yellow")
    data = exchange.data
    if "steps_before" in data:
        body.append(f"\nafter {data['steps_before']} steps · ${float(data.get('cost_before') or 0):.4f} spent"
                    f" · answered in {float(data.get('wait_s') or 0):.1f}s", style="dim")
    return Panel(body, title="question and answer", title_align="left", border_style="cyan")


def usage_text(step: Step) -> Text:
    u, t = step.usage, step.timing
    return Text.assemble(
        ("usage ", "bold"),
        f"prompt {u.prompt_tokens:,} · completion {u.completion_tokens:,} · ${u.cost:.4f}",
        (" (estimated)" if u.estimated else "", "dim"),
        ("   timing ", "bold"),
        f"model {t.model_s:.2f}s · tool {t.tool_s:.2f}s · overhead {t.overhead_s:.2f}s",
    )


def render_step(step: Step, total: int, exchange: Exchange | None = None) -> RenderableType:
    """One step; an `ask_user` step shows its question and answer in place of the raw call."""
    thought = Text(step.thought or "(no thought)", style="italic" if step.thought else "dim")
    return Group(
        Text(f"Step {step.index + 1} of {total}", style="bold underline"),
        Text("💭 thought", style="bold"), thought, Rule(style="dim"),
        action_renderable(step) if exchange is None else qa_renderable(exchange), Rule(style="dim"),
        observation_renderable(step), Rule(style="dim"),
        usage_text(step),
    )


# --- evaluation ------------------------------------------------------------------------------
def _pass_fail(value: Any) -> tuple[list[str], list[str]] | None:
    if isinstance(value, dict):
        lowered = {str(k).lower(): v for k, v in value.items()}
        ok_keys = ("success", "passed", "pass", "ok")
        bad_keys = ("failure", "failed", "fail", "error", "errors")
        if any(k in lowered for k in ok_keys + bad_keys):
            good = [str(x) for k in ok_keys for x in (lowered.get(k) or []) if isinstance(lowered.get(k), list)]
            bad = [str(x) for k in bad_keys for x in (lowered.get(k) or []) if isinstance(lowered.get(k), list)]
            return good, bad
        if value and all(isinstance(v, str) for v in value.values()):  # {test: status}
            good = [k for k, v in value.items() if v.lower() in _PASS]
            return good, [k for k, v in value.items() if v.lower() not in _PASS]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        good = [str(v.get("id")) for v in value if str(v.get("status", "")).lower() in _PASS]
        return good, [str(v.get("id")) for v in value if str(v.get("status", "")).lower() not in _PASS]
    return None


def evaluation_tests(evaluation: Any, depth: int = 0) -> dict[str, tuple[list[str], list[str]]]:
    """FAIL_TO_PASS / PASS_TO_PASS → (passed, failed), found wherever the evaluator nested them."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    if not isinstance(evaluation, dict) or depth > 4:
        return found
    for key, value in evaluation.items():
        name = str(key).upper().replace("-", "_")
        if name in ("FAIL_TO_PASS", "PASS_TO_PASS"):
            parsed = _pass_fail(value)
            if parsed is not None:
                found[name] = parsed
        elif isinstance(value, dict):
            for k, v in evaluation_tests(value, depth + 1).items():
                found.setdefault(k, v)
    return found


def evaluation_renderable(evaluation: dict[str, Any] | None) -> RenderableType | None:
    if not evaluation:
        return None
    out = Text()
    resolved = evaluation.get("resolved")
    if isinstance(resolved, bool):
        out.append("RESOLVED\n" if resolved else "NOT RESOLVED\n", style="bold green" if resolved else "bold red")
    for name, (good, bad) in evaluation_tests(evaluation).items():
        out.append(f"{name}: {len(good)} passed, {len(bad)} failed\n", style="bold")
        for t in bad:
            out.append(f"  ✗ {t}\n", style="red")
        for t in good:
            out.append(f"  ✓ {t}\n", style="green")
    return out


def render_patch(model: RunModel, index: int) -> RenderableType:
    patch = model.patch_at(index) if len(model) else ""
    parts: list[RenderableType] = [Text(f"Patch after step {index + 1}", style="bold underline")]
    parts.append(diff_text(patch) if patch.strip() else Text("(no changes yet)", style="dim"))
    parts.append(Rule(style="dim"))
    parts.append(Text("Final patch", style="bold underline"))
    final = model.final_patch
    parts.append(diff_text(final) if final.strip() else Text("(none)", style="dim"))
    evaluation = evaluation_renderable(model.result.evaluation if model.result else None)
    if evaluation is not None:
        parts += [Rule(style="dim"), Text("Evaluation", style="bold underline"), evaluation]
    return Group(*parts)


def totals_text(model: RunModel, running: bool = False) -> Text:
    task = model.header.task
    out = Text()
    out.append(str(task.get("instance_id") or model.header.run_id or (model.path or "run")), style="bold")
    if model.header.source_format != "patchsmith":
        out.append(f"  [{model.header.source_format}]", style="dim")
    model_name = model.header.model.get("name")
    if model_name:
        out.append(f"  model {escape(str(model_name))}", style="dim")
    out.append("   ")
    result = model.result
    if result is not None:
        t = result.totals
        style = "bold green" if result.exit_reason == ExitReason.SUBMITTED else "bold yellow"
        out.append(f"outcome: {result.exit_reason}", style=style)
        resolved = (result.evaluation or {}).get("resolved")
        if isinstance(resolved, bool):
            out.append("  RESOLVED" if resolved else "  NOT RESOLVED", style="bold green" if resolved else "bold red")
        out.append(f"   steps {t.steps or len(model)} · tokens {t.prompt_tokens + t.completion_tokens:,}"
                   f" · ${t.cost:.4f} · {t.wall_s:.1f}s")
    elif running:
        out.append(f"running… {len(model)} steps so far", style="bold cyan")
    else:
        out.append(f"{len(model)} steps", style="bold")
    if model.decisive is not None:
        label = "decisive step" if model.decisive_kind != "fewest_failing" else "closest step (fewest failing)"
        out.append(f"   ★ {label} {model.decisive + 1}", style="bold yellow")
    if model.incomplete and not running:
        out.append("   ⚠ incomplete: the file ends early (the run was cut off); showing what is there",
                   style="bold yellow")
    return out
