"""The ReAct controller: query the model, decide what its reply asks for, act on it, record the step, repeat."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..tools.ask_user import ask_user_tool
from ..tools.base import Tool
from ..tools.observation import Observation, cap_observation, truncate
from ..tools.registry import agent_tools
from ..tools.sandbox.base import mask_secrets, secret_values
from ..tools.workspace import Workspace
from .clarify import QUESTIONS_PER_TASK, Clarifications, answer_data, answer_vars, choose_asker
from .config import RunConfig
from .events import Answer, ApprovalRequest, Approver, Asker, NullObserver, Question, RunControl, RunObserver
from .history import History, Turn, context_budget
from .localization import seed_hints
from .memory import WorkingMemory
from .models import ContextLengthExceeded, Model, ModelError, OutOfTime, Reply, ScriptExhausted, make_model
from .models.base import estimate_tokens
from .models.messages import assistant_message, observation_messages
from .models.textmode import BLOCK as ACTION_BLOCK
from .prompting import render
from .recall.briefing import Briefing, MemorySettings, brief, remember
from .resume import Resumption
from .trajectory import (
    Action,
    Event,
    ExitReason,
    Header,
    ObservationRecord,
    ReplyRecord,
    Result,
    Step,
    Timing,
    Totals,
    Trajectory,
    TrajectoryWriter,
    Usage,
    load_trajectory,
    mask_data,
)

MAX_FORMAT_ERRORS = 3
CONTEXT_RETRIES = 3
MAX_QUESTIONS = QUESTIONS_PER_TASK  # per run too: an agent that keeps asking has stopped working the issue
ONE_ACTION = "ERROR: one action per turn; this call was not run. Send it again on its own."


@dataclass
class RunOutcome:
    exit_reason: ExitReason
    patch: str
    totals: Totals
    trajectory_path: Path
    error: str | None = None
    confidence: float | None = None  # what the submit said: how sure (0-1), and the parts it doubts
    unsure: list[dict[str, Any]] = field(default_factory=list)
    # The trajectory as read back once after the run: memory, the attempt's checks and the harness's
    # measures all take it from here rather than each reading the file again. None: it could not be read.
    trajectory: Trajectory | None = field(default=None, repr=False)


class StopRun(Exception):
    def __init__(self, reason: ExitReason, detail: str | None = None):
        super().__init__(reason.value)
        self.reason, self.detail = reason, detail


@dataclass
class StepResult:
    """What one step did: the call as run (after any edit by the approver), its tool, and what came back."""

    observation: Observation
    timing: Timing
    action: Action | None = None  # None: the reply held no call
    tool: Tool | None = None  # None: no call, or one naming no tool we have

    @property
    def ends_run(self) -> bool:
        return self.tool is not None and self.tool.ends_run and self.observation.ok


def default_toolset() -> list[Tool]:
    return agent_tools()


@dataclass
class Controller:
    problem_statement: str
    ws: Workspace
    config: RunConfig
    model: Model
    tools: Sequence[Tool]
    writer: TrajectoryWriter
    observer: RunObserver = field(default_factory=NullObserver)
    approver: Approver | None = None
    control: RunControl = field(default_factory=RunControl)
    hints: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    lessons: list[str] = field(default_factory=list)  # from earlier attempts (reflexion): kept as notes
    asker: Asker | None = None  # who answers `ask_user`; None: the tool is not offered
    told: list[str] = field(default_factory=list)  # what earlier attempts of the task were answered: notes
    briefing: Briefing = field(default_factory=Briefing)

    def __post_init__(self) -> None:
        self.tools = list(self.tools)
        if self.asker is not None and not any(t.name == "ask_user" for t in self.tools):
            self.tools.append(ask_user_tool(self.answer_question))
        self.questions = 0
        self.submission: dict[str, Any] = {}
        self.by_name = {t.name: t for t in self.tools}
        self.text_mode = bool(getattr(self.model, "text_mode", False))
        self.memory = WorkingMemory(hints=self.hints, notes=[*self.lessons, *self.told])
        self.render = partial(render, folder=self.config.prompts_dir)
        system = self.render("system", text_mode=self.text_mode, tool_docs=[t.usage_doc() for t in self.tools],
                        command_timeout=int(self.config.command_timeout),
                        finders=[t.name for t in self.tools if t.explores], can_ask="ask_user" in self.by_name)
        task = self.render("task", problem_statement=self.problem_statement, repo_root=str(self.ws.root),
                           base=self.ws.base, hints=self.hints, instructions=self.briefing.instructions,
                           recalled=self.briefing.recalled)
        self.history = History(prefix=[{"role": "system", "content": system}, {"role": "user", "content": task}],
                               budget=self.config.context_budget, render=self.render)
        self.usage = Usage()
        self.steps = 0
        self.started = time.monotonic()
        if self.config.max_wall_s is not None and hasattr(self.model, "deadline"):
            # A model that waits on a network bounds every request and retry by what is left of the run.
            self.model.deadline = self.started + self.config.max_wall_s
        self.format_errors = 0
        self._schema_tokens: int | None = None
        self._quirks_seen: set[str] = set()
        self.last_key: tuple[str, str, str] | None = None
        self.repeats = 0
        self.last_diff = ""

    # -- the loop -----------------------------------------------------------------------------------
    def run(self) -> tuple[ExitReason, str | None]:
        try:
            while True:
                self.check_limits()
                self.step()
        except StopRun as stop:
            return stop.reason, stop.detail

    def check_limits(self) -> None:
        c = self.config
        if self.control.stop_requested.is_set():
            raise StopRun(ExitReason.STOPPED_BY_USER)
        if self.steps >= c.max_steps:
            raise StopRun(ExitReason.MAX_STEPS)
        if c.max_tokens is not None and self.usage.prompt_tokens + self.usage.completion_tokens >= c.max_tokens:
            raise StopRun(ExitReason.MAX_TOKENS)
        if c.max_cost is not None and self.usage.cost >= c.max_cost:
            raise StopRun(ExitReason.MAX_COST)
        if c.max_wall_s is not None and time.monotonic() - self.started >= c.max_wall_s:
            raise StopRun(ExitReason.MAX_WALL_TIME)

    def step(self) -> None:
        """One turn: query the model, decide what its reply asks for, act on it, record the step."""
        t0 = time.monotonic()
        self.take_user_messages()
        reply, model_s = self.ask()
        self.usage = self.usage + reply.usage
        self.note_quirks(reply)
        index, self.steps = self.steps, self.steps + 1
        result = self.decide(reply, Timing(started_at=time.time(), model_s=model_s))
        if result.tool is not None:
            result = self.act(result)
        self.record(index, reply, result, t0)
        self.show_nested_instructions()
        if result.ends_run:
            data = result.observation.data
            self.submission = {"confidence": data.get("confidence"), "unsure": list(data.get("unsure") or [])}
            raise StopRun(ExitReason.SUBMITTED)
        if self.format_errors >= MAX_FORMAT_ERRORS:
            raise StopRun(ExitReason.FORMAT_ERROR, f"{self.format_errors} replies in a row held no usable action")
        self.check_repeat(result.action, result.observation)

    def show_nested_instructions(self) -> None:
        """A nested AGENTS.md joins the conversation once, when the agent first works under its folder."""
        paths = [p for p in (self.memory.open_file, *(e.path for e in self.memory.edits[-1:])) if p]
        for f in self.briefing.newly_applicable(paths):
            self.history.add_message(self.steps, {"role": "user", "content": self.render(
                "nested_instructions", path=f.path, scope=f.scope, text=f.text)}, f"instructions of {f.path}")
            self.event("instructions", f"{f.path} applies to {f.scope}/", {"paths": [f.path], "nested": True})

    def take_user_messages(self) -> None:
        for text in self.control.drain():
            self.hear(text)
            self.event("user_message", text)

    def decide(self, reply: Reply, timing: Timing) -> StepResult:
        """The reply's one call and its tool, or the error that teaches the model to send a usable one."""
        call = reply.tool_calls[0] if reply.tool_calls else None
        action = Action(tool=call.name, args=_loads(call.arguments), call_id=call.id) if call else None
        if reply.parse_error or action is None:
            self.format_errors += 1
            error = reply.parse_error or "the reply called no tool"
            return StepResult(Observation.fail(self.render("format_error", error=error, text_mode=self.text_mode,
                                                      tool_names=sorted(self.by_name))), timing, action)
        tool = self.by_name.get(action.tool)
        if tool is None:
            return StepResult(Observation.fail(f"unknown tool {action.tool!r}; available tools: "
                                               f"{', '.join(sorted(self.by_name))}"), timing, action)
        self.format_errors = 0
        return StepResult(Observation(text=""), timing, action, tool)  # the observation comes from act

    def record(self, index: int, reply: Reply, result: StepResult, t0: float) -> None:
        """Bound the observation, update memory and history, measure the diff, write the step."""
        obs, timing, action, tool = result.observation, result.timing, result.action, result.tool
        if self.secrets:
            obs.text = mask_secrets(obs.text, self.secrets)
        obs.text, cut = truncate(obs.text, self.config.observation_budget)
        obs.truncated = obs.truncated or cut
        diff = self.measure_diff(result)
        self.absorb(index, reply, action, tool, obs)  # memory from the whole data (every test's status)
        cap_observation(obs, self.config.observation_budget)  # then error and data bounded for the record
        timing.overhead_s = max(0.0, time.monotonic() - t0 - timing.model_s - timing.tool_s - timing.approval_s
                                - timing.diff_s)
        step = Step(index=index, thought=_thought(reply), action=action,
                    observation=ObservationRecord(**obs.model_dump()),
                    reply=ReplyRecord(text=reply.text, tool_calls=reply.tool_calls), usage=reply.usage,
                    timing=timing, state=self.memory.snapshot(), diff=diff)
        self.observer.on_step(self.writer.write(step))

    def measure_diff(self, result: StepResult) -> str | None:
        """The workspace diff after a step that may have changed files, when it differs from the last one."""
        tool = result.tool
        if tool is None or not result.observation.ok or not (tool.mutates or tool.runs_commands or tool.ends_run):
            return None
        d0 = time.monotonic()
        current = self.ws.diff()
        result.timing.diff_s = time.monotonic() - d0
        if current == self.last_diff:
            return None
        self.last_diff = current
        return current

    def hear(self, text: str) -> None:
        """A message from the user between steps goes into the history."""
        self.history.add_message(self.steps, {"role": "user", "content": self.render("user_message", text=text)},
                                 f"user said: {text[:80]}")

    def absorb(self, index: int, reply: Reply, action: Action | None, tool: Tool | None, obs: Observation) -> None:
        """What a step leaves in the working memory and the chat history (also used to rebuild both when a
        run is resumed from its trajectory)."""
        if tool is not None and action is not None:
            self.memory.apply(index, tool.memory_update(action.args, obs))
        texts = [obs.text] + [ONE_ACTION for _ in (reply.tool_calls[1:] if not self.text_mode else [])]
        self.history.add(Turn(step=index, messages=[assistant_message(reply, self.text_mode),
                                                    *observation_messages(reply, texts, self.text_mode)],
                              summary=_summary(action, obs)))

    def ask(self) -> tuple[Reply, float]:
        tail = [{"role": "user", "content": self.memory.render(self.steps, self.config.max_steps - self.steps,
                                                               self.render)}]
        model_s = 0.0
        for attempt in range(CONTEXT_RETRIES + 1):
            self.fit_context()
            messages = self.history.messages(tail)
            t0 = time.monotonic()
            try:
                return self.model.complete(messages, self.tools), model_s + time.monotonic() - t0
            except ContextLengthExceeded as exc:
                model_s += time.monotonic() - t0
                self.fit_context()  # the error may have named the window
                shrunk = self.history.condense(min(self.history.tokens // 2, self.history.budget), keep_recent=1)
                self.event("condensed", f"context length exceeded; condensed history to ~{self.history.tokens} "
                                        "tokens", {"attempt": attempt})
                if not shrunk or attempt == CONTEXT_RETRIES:
                    raise StopRun(ExitReason.CONTEXT_EXCEEDED, str(exc)) from None
            except ScriptExhausted as exc:
                raise StopRun(ExitReason.SCRIPT_EXHAUSTED, str(exc)) from None
            except OutOfTime as exc:
                raise StopRun(ExitReason.MAX_WALL_TIME, str(exc)) from None
            except ModelError as exc:
                raise StopRun(ExitReason.MODEL_ERROR, str(exc)) from None
        raise AssertionError("unreachable")

    def fit_context(self) -> None:
        """A server's context window (where it tells, or as its first context error said) caps the history."""
        window = getattr(self.model, "context_window", None)
        size = window() if callable(window) else None
        if not isinstance(size, int) or size <= 0:
            return
        if self._schema_tokens is None:
            self._schema_tokens = 0 if self.text_mode else estimate_tokens(
                json.dumps([t.openai_schema() for t in self.tools]))
        budget = min(self.config.context_budget, context_budget(size, self._schema_tokens))
        if budget != self.history.budget:
            self.history.budget = budget
            self.event("context", f"the endpoint's context window is {size} tokens; history budget {budget}",
                       {"window": size, "budget": budget})

    def note_quirks(self, reply: Reply) -> None:
        """Each way the endpoint's answers differ from OpenAI's is recorded once, when first seen."""
        for quirk in reply.quirks:
            if quirk not in self._quirks_seen:
                self._quirks_seen.add(quirk)
                self.event("endpoint_quirk", quirk, {"quirk": quirk, "step": self.steps})

    def act(self, result: StepResult) -> StepResult:
        """Permission check, approval, then the tool; the approver may have edited the arguments."""
        tool, action, timing = result.tool, result.action, result.timing
        assert tool is not None and action is not None
        mode = self.config.mode
        if "_raw" in action.args:  # unparseable arguments: the tool explains the right form, nothing runs
            return StepResult(tool(self.ws, action.args["_raw"]), timing, action, tool)
        if reason := tool.refusal(action.args, mode):
            return StepResult(Observation.fail(reason), timing, action, tool)
        if (why := tool.approval_reason(action.args, mode)) is not None:
            if self.approver is None:
                return StepResult(Observation.fail(f"{why}, and no one is there to approve; the run was started "
                                                   "without a way to ask"), timing, action, tool)
            a0 = time.monotonic()
            # What the user is shown carries no secret (the action itself runs as the model sent it).
            decision = self.approver.decide(ApprovalRequest(
                tool=tool.name, args=mask_data(action.args, self.secrets),
                preview=mask_secrets(tool.preview(action.args), self.secrets), reason=why))
            timing.approval_s = time.monotonic() - a0
            self.event("approval", decision.message, {"approved": decision.approved, "tool": tool.name,
                                                      "edited": decision.args is not None})
            if not decision.approved:
                return StepResult(Observation.fail(self.render("denied", message=decision.message)), timing, action, tool)
            if decision.args is not None:
                action = action.model_copy(update={"args": decision.args})
        t0 = time.monotonic()
        obs = tool(self.ws, action.args)
        timing.tool_s = time.monotonic() - t0
        return StepResult(obs, timing, action, tool)

    def check_repeat(self, action: Action | None, obs: Observation) -> None:
        if action is None:
            return
        key = (action.tool, json.dumps(action.args, sort_keys=True), obs.text)
        self.repeats = self.repeats + 1 if key == self.last_key else 1
        self.last_key = key
        if self.repeats >= self.config.repeat_limit:
            raise StopRun(ExitReason.REPEATED_ACTION, f"{action.tool} repeated {self.repeats} times with the same result")
        if self.repeats == self.config.repeat_limit - 1:
            self.history.add_message(self.steps, {"role": "user",
                                                  "content": self.render("repeated", count=self.repeats)},
                                     "warned about a repeated action")

    def answer_question(self, question: str, choices: list[str]) -> tuple[str, str | None]:
        """`ask_user`: the asker's answer, with the question and answer recorded as events, and how far the
        run had got (steps, cost, tokens) when the answer came, so a report can split the run there. The
        asker may reuse an earlier attempt's answer ("earlier") or refuse once the task's questions are
        used up ("limit"); both are recorded too, so the inspector shows where every answer came from."""
        self.questions += 1
        step = self.steps - 1  # the step asking (already counted)
        self.event("question", question, {"step": step, "choices": choices})
        a0 = time.monotonic()
        if self.asker is None or self.questions > MAX_QUESTIONS:
            answer = Answer(text=None, source="limit")
        else:
            answer = self.asker.ask(Question(text=question, choices=choices))
        given = answer.text.strip() if answer.text and answer.text.strip() else None
        answer = replace(answer, text=given)
        self.event("answer", given or "", answer_data(
            step, answer, steps_before=self.steps, cost_before=self.usage.cost,
            tokens_before=self.usage.prompt_tokens + self.usage.completion_tokens,
            wait_s=round(time.monotonic() - a0, 3)))
        return self.render("answer", **answer_vars(answer)), given

    def event(self, kind: str, text: str = "", data: dict[str, Any] | None = None) -> None:
        ev = Event(kind=kind, text=text, data=data or {}, at=time.time())
        self.observer.on_event(self.writer.write(ev))


def _show_stream(model: Model, observer: RunObserver) -> None:
    """A streaming model (--stream) hands its reply, piece by piece, to an observer that can show it."""
    if hasattr(model, "on_delta") and hasattr(observer, "on_delta"):
        model.on_delta = observer.on_delta  # type: ignore[attr-defined]


def run_agent(problem_statement: str, workspace: Workspace, config: RunConfig, output_dir: Path, *,
              task: dict[str, Any] | None = None, observer: RunObserver | None = None,
              approver: Approver | None = None, control: RunControl | None = None,
              model: Model | None = None, tools: Sequence[Tool] | None = None,
              hints: list[str] | None = None, lessons: list[str] | None = None,
              attempt: dict[str, Any] | None = None, resume: Resumption | None = None,
              asker: Asker | None = None, clarifications: Clarifications | None = None) -> RunOutcome:
    """Run one agent over `workspace`; writes output_dir/trajectory.jsonl and output_dir/patch.diff.

    `lessons` (from a strategy's earlier attempts) start the working memory's notes; `attempt` (number,
    parent, strategy) goes into the header, linking the trajectory to the task's strategy record. With
    `resume` (see agent/resume.py), the run goes on from that trajectory instead of starting: the
    workspace must already hold its last recorded diff, and the new lines are appended to the same file.
    Who answers `ask_user`: see `_asker` (`asker` is a person at the console or in the live view)."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    model = model or make_model(config)
    observer = observer or NullObserver()
    _show_stream(model, observer)
    secrets = known_secrets(config)
    if resume is not None:
        resume.cut_partial_line()
    writer = TrajectoryWriter(output_dir / "trajectory.jsonl", secrets=secrets)
    started = time.time()
    header = resume.header if resume is not None else _new_header(problem_statement, config, model, task, attempt,
                                                                  started)
    if resume is None:
        header = writer.write(header)  # as written: secrets masked
    else:
        hints, started = resume.hints, started - resume.prior_wall_s()
    observer.on_header(header)
    asker, told = _asker(config, task, asker, clarifications, attempt)
    ctl = None
    reason, detail = ExitReason.ERROR, None
    try:
        if hints is None:
            hints = _localize(workspace, problem_statement, config, writer, observer)
        briefing = _briefing(workspace, problem_statement, config, task, resume)
        if resume is None:  # a resumed run's trajectory already has these events
            _announce(briefing, writer, observer)
        ctl = Controller(problem_statement, workspace, config, model, list(tools or default_toolset()), writer,
                         observer, approver, control or RunControl(), hints or [], secrets, lessons or [], asker,
                         told=told, briefing=briefing)
        if resume is not None:
            resume.restore(ctl)
            ctl.event("resumed", resume.event_text(), resume.event_data())
        reason, detail = ctl.run()
    except KeyboardInterrupt:
        reason, detail = ExitReason.STOPPED_BY_USER, "interrupted (Ctrl-C)"
        raise
    except Exception as exc:  # noqa: BLE001 - the trajectory must record any crash, then re-raise
        reason, detail = ExitReason.ERROR, f"{type(exc).__name__}: {exc}"
        raise
    finally:
        outcome = _finish(workspace, output_dir, writer, observer, ctl, reason, detail, started)
        outcome.trajectory = load_trajectory(writer.path)
        if ctl is not None and config.memory:
            _learn(ctl, outcome, header, config, task, secrets)
    return outcome


def _new_header(problem_statement: str, config: RunConfig, model: Model, task: dict[str, Any] | None,
                attempt: dict[str, Any] | None, started: float) -> Header:
    task_meta = {k: v for k, v in (task or {}).items() if k not in ("patch", "test_patch")}
    task_meta.setdefault("problem_statement", problem_statement)
    return Header(run_id=uuid.uuid4().hex[:12], task=task_meta, strategy=config.strategy, started_at=started,
                  model={"name": getattr(model, "name", config.model), "base_url": config.base_url,
                         "text_mode": bool(getattr(model, "text_mode", False))},
                  config=config.model_dump(mode="json", exclude={"api_key"}), attempt=attempt)


def _localize(workspace: Workspace, issue: str, config: RunConfig, writer: TrajectoryWriter,
              observer: RunObserver) -> list[str]:
    """Files the issue points at (`--no-localize`: none), recorded as a `localized` event."""
    hints = seed_hints(workspace.root, issue) if config.localize else []
    if hints:
        ev = Event(kind="localized", text="\n".join(hints), data={"hints": hints}, at=time.time())
        observer.on_event(writer.write(ev))
    return hints


def _learn(ctl: Controller, outcome: RunOutcome, header: Header, config: RunConfig, task: dict[str, Any] | None,
           secrets: list[str]) -> None:
    """Store what the run taught, from the trajectory it read back (cross-run memory)."""
    origin = f"run {header.run_id}" + (f" (task {task['instance_id']})" if task and task.get("instance_id") else "")
    steps = outcome.trajectory.steps if outcome.trajectory is not None else []
    remember(ctl.ws.root, ctl.problem_statement, steps, outcome.patch, outcome.exit_reason.value, origin,
             memory_settings(config, task), secrets, reflection=" ".join(ctl.lessons) or None)


def _asker(config: RunConfig, task: dict[str, Any] | None, person: Asker | None,
           clarifications: Clarifications | None, attempt: dict[str, Any] | None) -> tuple[Asker | None, list[str]]:
    """This attempt's asker and what earlier attempts were told. A strategy passes its task's
    `clarifications` (its attempts share one budget and each other's answers); a lone run gets its own,
    answered by `person` (`--clarify hints`: the task's hints_text; `off`: no one)."""
    ledger = clarifications or Clarifications(choose_asker(config.clarify, task, person))
    return ledger.for_attempt(int((attempt or {}).get("number") or 1)), ledger.known()


def _finish(workspace: Workspace, output_dir: Path, writer: TrajectoryWriter, observer: RunObserver,
            ctl: Controller | None, reason: ExitReason, detail: str | None, started: float) -> RunOutcome:
    """Whatever ended the run: write patch.diff and the result line, and close the trajectory."""
    patch = ""
    try:
        patch = workspace.diff()
    except Exception as exc:  # noqa: BLE001 - a broken workspace must not hide the run's own result
        detail = detail or f"could not compute the final diff: {exc}"
    # surrogateescape: the diff of a non-UTF-8 file comes back byte for byte.
    (output_dir / "patch.diff").write_bytes(patch.encode("utf-8", "surrogateescape"))
    usage = ctl.usage if ctl else Usage()
    totals = Totals(steps=ctl.steps if ctl else 0, prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens, cost=usage.cost, wall_s=time.time() - started)
    # The writer keeps undecodable bytes of the patch exactly (see trajectory `exact`).
    result = Result(exit_reason=reason.value, patch=patch, totals=totals, finished_at=time.time(), error=detail)
    shown = writer.write(result)  # as written: secrets masked
    writer.close()
    observer.on_result(shown)
    said = ctl.submission if ctl else {}
    return RunOutcome(exit_reason=reason, patch=patch, totals=totals, trajectory_path=writer.path, error=detail,
                      confidence=said.get("confidence"), unsure=said.get("unsure") or [])


def memory_settings(config: RunConfig, task: dict[str, Any] | None) -> MemorySettings:
    """A task with a creation date (harness runs) recalls only what older tasks taught, and teaches at its date."""
    created = (task or {}).get("created_at")
    at = None
    if created:
        try:
            at = datetime.fromisoformat(str(created).replace("Z", "+00:00")).timestamp()
        except ValueError:
            at = None
    return MemorySettings(instructions=config.instructions, instructions_budget=config.instructions_budget,
                          recall=config.memory, learn=config.memory, budget=config.memory_budget, created_at=at)


def _briefing(workspace: Workspace, issue: str, config: RunConfig, task: dict[str, Any] | None,
              resume: Resumption | None) -> Briefing:
    """A new run is briefed now; a resumed one is told exactly what it was told before the cut."""
    fresh = brief(workspace.root, issue, memory_settings(config, task) if resume is None else
                  replace(memory_settings(config, task), recall=False))
    return fresh if resume is None else Briefing.from_events(resume.events, fresh.nested)


def _announce(briefing: Briefing, writer: TrajectoryWriter, observer: RunObserver) -> None:
    events = []
    if briefing.instruction_paths:
        events.append(Event(kind="instructions", text=", ".join(briefing.instruction_paths),
                            data={"paths": briefing.instruction_paths, "text": briefing.instructions},
                            at=time.time()))
    if briefing.recalled:
        events.append(Event(kind="recalled", text="\n".join(briefing.recalled),
                            data={"ids": briefing.recalled_ids, "lines": briefing.recalled}, at=time.time()))
    for ev in events:
        observer.on_event(writer.write(ev))


def known_secrets(config: RunConfig) -> list[str]:
    """Every secret this run knows: secret-looking environment variables, the API key however it was given
    (--api-key, the config), and a password inside the endpoint's URL. Longest first, so none is half-masked."""
    found = set(secret_values())
    if config.api_key and len(config.api_key) >= 4:
        found.add(config.api_key)
    password = urlsplit(config.base_url).password if config.base_url else None
    if password and len(password) >= 4:
        found.add(password)
    return sorted(found, key=len, reverse=True)


def _loads(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError:
        return {"_raw": arguments}
    return value if isinstance(value, dict) else {"_raw": arguments}


def _thought(reply: Reply) -> str:
    text = reply.text or ""
    blocks = list(ACTION_BLOCK.finditer(text))
    return (text[: blocks[-1].start()] if blocks else text).strip()  # text mode: drop the action block


def _summary(action: Action | None, obs: Observation) -> str:
    if action is None:
        return "reply without a usable action"
    args = ", ".join(f"{k}={str(v)[:40]!r}" for k, v in action.args.items() if k not in ("file_text", "new_str"))
    first = obs.text.strip().splitlines()[0][:100] if obs.text.strip() else ""
    return f"{action.tool}({args}) -> {'ok' if obs.ok else 'error'}: {first}"
