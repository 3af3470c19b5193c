"""Our trajectories written in the peers' formats (SWE-agent `.traj`, mini-swe-agent JSON), so their tools read ours.

Each step's action is written as the command text the peer's agent would have run (what their inspectors
show); our exact tool call and structured observation data ride along in fields the peers keep but do not
read (`extra_info` on a SWE-agent step, `extra` on a mini-swe-agent message), so that our importers bring
back the same steps. The per-step workspace diff goes in SWE-agent's `state.diff`, where SWE-agent keeps it.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from patchsmith.agent.trajectory import Step, Trajectory
from patchsmith.tools.sandbox import mask_secrets, secret_values

EXTRA_KEY = "patchsmith"  # our own record inside the peers' extension fields
MINI_FORMAT = "mini-swe-agent-1.1"


def command_text(step: Step) -> str:
    """The action as one shell-like command line: what a SWE-agent / mini-swe-agent user expects to read."""
    action = step.action
    if action is None:
        return ""
    args = action.args
    if action.tool == "bash" or (set(args) == {"command"} and isinstance(args.get("command"), str)
                                 and action.tool != "str_replace_editor"):
        command = str(args.get("command", ""))
        return command if action.tool == "bash" else f"{action.tool} {command}".strip()
    if action.tool == "str_replace_editor":
        words = ["str_replace_editor", str(args.get("command", "")), str(args.get("path", ""))]
        for key, value in args.items():
            if key in ("command", "path"):
                continue
            words += [f"--{key}", value if isinstance(value, str) else json.dumps(value)]
        return " ".join(shlex.quote(w) for w in words)
    if action.tool == "submit":
        return "submit"
    return f"{action.tool} {shlex.quote(json.dumps(args, ensure_ascii=False))}" if args else action.tool


def _own(step: Step) -> dict[str, Any]:
    return {"index": step.index, "action": step.action.model_dump() if step.action else None,
            "observation": {"ok": step.observation.ok, "error": step.observation.error,
                            "data": step.observation.data, "truncated": step.observation.truncated},
            "usage": step.usage.model_dump(), "timing": step.timing.model_dump()}


def to_swe_agent(traj: Trajectory) -> dict[str, Any]:
    task = traj.header.task
    instance_id = str(task.get("instance_id") or traj.header.run_id or "run")
    problem = str(task.get("problem_statement") or "")
    system = "You are an autonomous programmer working in a repository (exported from patchsmith)."
    history: list[dict[str, Any]] = [
        {"role": "system", "content": system, "agent": "main", "message_type": "system_prompt"},
        {"role": "user", "content": problem, "agent": "main", "message_type": "observation"}]
    steps = []
    for step in traj.steps:
        command = command_text(step)
        state: dict[str, Any] = {k: v for k, v in step.state.items() if k != "diff"}
        if step.diff is not None:
            state["diff"] = step.diff
        steps.append({"action": command, "observation": step.observation.text, "response": step.reply.text or step.thought,
                      "thought": step.thought, "execution_time": step.timing.tool_s, "state": state,
                      "query": [], "extra_info": {EXTRA_KEY: _own(step)}})
        history.append({"role": "assistant", "content": step.reply.text or step.thought, "thought": step.thought,
                        "action": command, "agent": "main", "message_type": "action"})
        history.append({"role": "user", "content": step.observation.text, "agent": "main",
                        "message_type": "observation"})
    result = traj.result
    totals = result.totals if result else None
    info: dict[str, Any] = {
        "exit_status": result.exit_reason if result else None, "submission": result.patch if result else None,
        "model_stats": {"instance_cost": totals.cost if totals else 0.0,
                        "tokens_sent": totals.prompt_tokens if totals else 0,
                        "tokens_received": totals.completion_tokens if totals else 0, "api_calls": len(traj.steps)},
        EXTRA_KEY: {"header": traj.header.model_dump(), "totals": totals.model_dump() if totals else None,
                    "evaluation": result.evaluation if result else None}}
    return {"environment": "patchsmith", "trajectory": steps, "history": history, "info": info,
            "replay_config": json.dumps({"problem_statement": {"id": instance_id, "text": problem, "type": "text"},
                                         "agent": {"model": {"name": str(traj.header.model.get("name", ""))}}})}


def to_mini_swe_agent(traj: Trajectory) -> dict[str, Any]:
    task = traj.header.task
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a helpful assistant that can interact with a computer."},
        {"role": "user", "content": f"<pr_description>\n{task.get('problem_statement') or ''}\n</pr_description>"}]
    for step in traj.steps:
        command = command_text(step)
        text = (step.thought + "\n\n" if step.thought else "") + f"```mswea_bash_command\n{command}\n```"
        messages.append({"role": "assistant", "content": text, "extra": {
            "actions": [{"command": command}] if step.action else [], "cost": step.usage.cost,
            "response": {"usage": {"prompt_tokens": step.usage.prompt_tokens,
                                   "completion_tokens": step.usage.completion_tokens}},
            EXTRA_KEY: _own(step) | {"diff": step.diff, "state": step.state}}})
        code = 0 if step.observation.ok else 1
        messages.append({"role": "user", "content": f"<returncode>{code}</returncode>\n<output>\n"
                                                    f"{step.observation.text}\n</output>",
                         "extra": {"returncode": code}})
    result = traj.result
    info: dict[str, Any] = {
        "exit_status": result.exit_reason if result else None, "submission": result.patch if result else None,
        "model_stats": {"instance_cost": result.totals.cost if result else 0.0, "api_calls": len(traj.steps)},
        "instance_id": str(task.get("instance_id") or ""),
        "config": {"model": {"model_name": str(traj.header.model.get("name", ""))}},
        EXTRA_KEY: {"header": traj.header.model_dump(), "totals": result.totals.model_dump() if result else None,
                    "evaluation": result.evaluation if result else None}}
    return {"info": info, "messages": messages, "trajectory_format": MINI_FORMAT}


def export_text(traj: Trajectory, fmt: str, secrets: list[str] | None = None) -> str:
    """The trajectory as `fmt` ('swe-agent' or 'mini'), secrets masked in every string."""
    writer = {"swe-agent": to_swe_agent, "mini": to_mini_swe_agent, "mini-swe-agent": to_mini_swe_agent}[fmt]
    text = json.dumps(writer(traj), ensure_ascii=False)
    return mask_json(text, secret_values() if secrets is None else secrets)


def mask_json(text: str, secrets: list[str]) -> str:
    """Mask secrets in JSON text: each value as written raw and as JSON-escaped (quotes, backslashes)."""
    forms = sorted({f for s in secrets for f in (s, json.dumps(s)[1:-1]) if f}, key=len, reverse=True)
    return mask_secrets(text, forms)
