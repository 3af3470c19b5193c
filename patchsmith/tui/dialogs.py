"""Modal screens: help, the tool filter, the approval prompt and a message to the agent."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from patchsmith.agent.events import Answer, ApprovalRequest, Decision, Question
from patchsmith.tools.safetext import inert

HELP = [
    ("j / k, ↓ / ↑", "next / previous step (mouse: click a step, wheel scrolls)"),
    ("g / G", "first / last step"),
    ("PgUp / PgDn", "page through the steps"),
    ("J / K", "scroll the step detail (or click it and use the arrows; the wheel works too)"),
    ("/", "search thoughts, actions and observations"),
    ("n / N", "next / previous search hit"),
    ("f", "filter the steps by tool"),
    ("e", "jump to the next step with an error"),
    ("a", "jump to the next question the agent asked (its answer, and who gave it)"),
    ("d", "toggle the patch view (patch after this step, final patch, evaluation)"),
    ("p", "show / hide the problem statement"),
    ("t", "where the tokens went: by tool and by prompt part"),
    ("q", "back to the list of runs, or quit"),
    ("?", "this help"),
]
LIVE_HELP = [
    ("m", "send the agent a message (read before its next step)"),
    ("s", "stop the agent cleanly after the current step"),
    ("approval", "a: approve · d: deny with a message · e: edit the command"),
    ("question", "type an answer (or a choice's number) and Enter · Esc declines"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, live: bool = False) -> None:
        super().__init__()
        self.live = live

    def compose(self) -> ComposeResult:
        text = Text()
        for key, what in HELP + (LIVE_HELP if self.live else []):
            text.append(f"{key:>14}  ", style="bold cyan")
            text.append(what + "\n")
        with Vertical(id="help-box", classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static(text, id="help-text")
            yield Label("Esc or q closes", classes="dialog-hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class ToolFilterScreen(ModalScreen[str | None]):
    """Pick one tool to show only its steps, or all tools."""

    BINDINGS = [Binding("escape,q", "cancel", "Cancel")]
    ALL = "\x00all"

    def __init__(self, tools: dict[str, int], current: str | None) -> None:
        super().__init__()
        self.tools = tools
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(f"all tools ({sum(self.tools.values())})", id=self.ALL)]
        options += [Option(f"{name} ({count})", id=name) for name, count in sorted(self.tools.items())]
        with Vertical(id="filter-box", classes="dialog"):
            yield Label("Show steps of tool", classes="dialog-title")
            yield OptionList(*options, id="filter-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current is not None:
            options.highlighted = options.get_option_index(self.current)
        else:
            options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id
        self.dismiss(None if chosen == self.ALL else chosen)

    def action_cancel(self) -> None:
        self.dismiss(self.current)


class MessageScreen(ModalScreen[str | None]):
    """One line to the agent, delivered between steps."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="message-box", classes="dialog"):
            yield Label("Message to the agent (Enter sends, Esc cancels)", classes="dialog-title")
            yield Input(placeholder="e.g. the failing test is in tests/test_fields.py", id="message")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ApprovalScreen(ModalScreen[Decision]):
    """Approve, deny with a message to the agent, or edit the command before it runs."""

    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("d", "deny", "Deny"),
        Binding("e", "edit", "Edit"),
        Binding("s", "app.stop", "Stop the run"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request
        self.mode: str | None = None  # "deny" or "edit" while the input is open

    def compose(self) -> ComposeResult:
        with Vertical(id="approval-box", classes="dialog"):
            # What the agent asked for is shown exactly, escape codes visible: the user approves what runs.
            yield Label(Text(f"Approve {inert(self.request.tool)}?"), classes="dialog-title")
            yield Static(Text(inert(self.request.reason), style="italic"), id="approval-reason")
            with VerticalScroll(id="approval-preview"):
                yield Static(Text(inert(self.request.preview)), markup=False)
            with Horizontal(id="approval-buttons"):
                yield Button("Approve (a)", id="approve", variant="success")
                yield Button("Deny (d)", id="deny", variant="error")
                if self._editable_key():
                    yield Button("Edit (e)", id="edit", variant="primary")
            yield Input(id="approval-input")

    def on_mount(self) -> None:
        self.query_one("#approval-input", Input).display = False

    def _editable_key(self) -> str | None:
        for key in ("command", "file_text", "new_str"):
            if isinstance(self.request.args.get(key), str):
                return key
        return None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"approve": self.action_approve, "deny": self.action_deny, "edit": self.action_edit}[str(event.button.id)]()

    def action_approve(self) -> None:
        self.dismiss(Decision(approved=True))

    def _open_input(self, mode: str, value: str, placeholder: str) -> None:
        self.mode = mode
        box = self.query_one("#approval-input", Input)
        box.display = True
        box.value = value
        box.placeholder = placeholder
        box.focus()

    def action_deny(self) -> None:
        self._open_input("deny", "", "why (sent to the agent); Enter denies")

    def action_edit(self) -> None:
        key = self._editable_key()
        if key is not None:
            # The field shows escape codes inert; what the user submits is what they saw, and what runs.
            self._open_input("edit", inert(str(self.request.args[key])), f"edit {key}; Enter runs it")

    def action_back(self) -> None:
        if self.mode is not None:
            self.mode = None
            self.query_one("#approval-input", Input).display = False
            self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.mode == "deny":
            self.dismiss(Decision(approved=False, message=event.value.strip() or "denied by the user"))
        elif self.mode == "edit":
            key = self._editable_key()
            args = dict(self.request.args)
            if key is not None:
                args[key] = event.value
            self.dismiss(Decision(approved=True, args=args))


class QuestionScreen(ModalScreen[Answer]):
    """The agent's question: type the answer (a number picks one of its choices); Esc declines."""

    BINDINGS = [Binding("escape", "decline", "Decline")]

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="question-box", classes="dialog"):
            yield Label("The agent asks", classes="dialog-title")
            # Model text, shown inert: no escape code reaches the terminal, no markup is read.
            yield Static(Text(inert(self.question.text)), id="question-text", markup=False)
            if self.question.choices:
                choices = "\n".join(f"{i}. {inert(c)}" for i, c in enumerate(self.question.choices, 1))
                yield Static(Text(choices), id="question-choices", markup=False)
            yield Input(placeholder="your answer (a number picks a choice); Enter sends", id="question-answer")
            with Horizontal(id="question-buttons"):
                yield Button("Decline (Esc)", id="decline", variant="error")

    def on_mount(self) -> None:
        self.query_one("#question-answer", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.question.choices):
            text = self.question.choices[int(text) - 1]
        self.dismiss(Answer(text=text or None, source="user"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_decline()

    def action_decline(self) -> None:
        self.dismiss(Answer(text=None, source="user"))
