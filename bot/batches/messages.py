"""Every word a CSV batch shows in Slack (bot/batches/, bot/handlers/files.py).

Texts are Slack mrkdwn; a file name or any other user-supplied string is escaped here (`&`, `<`,
`>`), so a file called `<!channel> leads.csv` cannot ping anyone. Nothing here calls Slack.
"""

from __future__ import annotations

from bot.mrkdwn import escape

__all__ = [
    "BATCH_ALREADY_FINISHED",
    "BATCH_CANCEL",
    "BATCH_CANCEL_CONFIRM",
    "BATCH_CANCEL_CONFIRM_TITLE",
    "BATCH_CANCEL_KEEP",
    "BATCH_CANCEL_STOP",
    "BATCH_REMOTE_FILE",
    "BATCH_RESULTS_COMMENT",
    "BATCH_UNKNOWN",
    "batch_cancelling",
    "batch_download_failed",
    "batch_finished_line",
    "batch_progress_header",
    "batch_progress_line",
    "batch_rejected",
    "batch_remote_file",
    "batch_results_title",
    "batch_resumed",
    "batch_row_errors",
    "batch_stopped",
    "batch_summary",
    "batch_too_big",
    "batch_upload_failed",
    "not_your_batch",
]

BATCH_CANCEL = "Cancel"
BATCH_CANCEL_CONFIRM_TITLE = "Stop this batch?"
BATCH_CANCEL_CONFIRM = ("Rows already drafted are kept and delivered in the results file; "
                        "the rest are not run.")
BATCH_CANCEL_STOP = "Stop it"
BATCH_CANCEL_KEEP = "Keep going"
BATCH_ALREADY_FINISHED = "That batch has already finished; its results are in the thread."
BATCH_UNKNOWN = ("I can't find that batch any more — it may have expired. Upload the CSV again "
                 "to start a new one.")
BATCH_RESULTS_COMMENT = "Here are the drafts, one line per row of your file."
BATCH_REMOTE_FILE = "it is stored outside Slack"


def batch_remote_file(file_name: str) -> str:
    """A remote or external file (Google Drive, Dropbox, a link): never fetched with the bot token."""
    return (f":x: *{escape(file_name)}* is a link to a file stored outside Slack (Google Drive, Dropbox "
            "or similar), so I can't open it. Download it and share the file itself here: drag the "
            "CSV into the message box, or use + → Upload from your computer.")


def not_your_batch(owner_id: str | None) -> str:
    """Someone other than the uploader (and not an approver) pressed Cancel."""
    who = f"<@{owner_id}>" if owner_id else "whoever uploaded the file"
    return f"Only {who} can cancel this batch (or someone listed in DRAFT_APPROVERS). It keeps running."


def batch_results_title(file_name: str) -> str:
    """Title of the uploaded results file."""
    return f"Drafts for {file_name}"  # a file title: plain text, not mrkdwn


def batch_rejected(file_name: str, reason: str) -> str:
    """A CSV was refused before any row ran; `reason` says what to fix."""
    return f":x: I couldn't run *{escape(file_name)}*: {escape(reason)}"


def batch_too_big(file_name: str, size: int, limit: int) -> str:
    """The uploaded file is over the size cap (MAX_BATCH_BYTES)."""
    return batch_rejected(file_name, f"the file is {size:,} bytes; the limit is {limit:,} bytes "
                                     "(MAX_BATCH_BYTES). Split it into smaller files and upload those.")


def batch_download_failed(file_name: str, detail: str) -> str:
    """Slack did not hand over the file."""
    return (f":x: I couldn't download *{escape(file_name)}* from Slack ({escape(detail)}). Check that I'm in this "
            "conversation and have the `files:read` scope, then upload the file again.")


def batch_stopped(detail: str) -> str:
    """The batch could not go on in this process; its finished rows are kept."""
    return (f":warning: This batch stopped ({escape(detail)}). The rows already drafted are kept; it picks "
            "up where it left off when replycrew restarts, or upload the file again.")


def batch_upload_failed(detail: str) -> str:
    """The results file could not be uploaded; the drafts are still kept."""
    return (f":warning: I couldn't upload the results file ({escape(detail)}). The drafts are kept; "
            "ask whoever runs replycrew to check the `files:write` scope.")


def batch_progress_header(file_name: str, total: int, user_id: str | None) -> str:
    """The first line of a batch's progress message."""
    who = f" for <@{user_id}>" if user_id else ""
    return f":hourglass_flowing_sand: Drafting replies for *{escape(file_name)}* ({total:,} rows){who}…"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def batch_progress_line(*, done: int, failed: int, total: int, throughput: float,
                        eta_s: float | None) -> str:
    """Counts, speed and time left under the progress bar."""
    parts = [f"*{done:,}* of *{total:,}* rows done", f"{failed:,} failed"]
    if throughput > 0:
        parts.append(f"{throughput:.1f} rows/s")
    if eta_s is not None and done < total:
        parts.append(f"about {_duration(eta_s)} left")
    return " · ".join(parts)


def batch_resumed(finished: int, total: int) -> str:
    """A batch picked up again after the app restarted."""
    return (f":arrows_counterclockwise: replycrew restarted while this batch was running. Resuming: "
            f"{finished:,} of {total:,} rows were already done and are kept; the rest are running now.")


def batch_cancelling(user_id: str) -> str:
    """Cancel was pressed; rows in flight finish first."""
    return (f":octagonal_sign: <@{user_id}> cancelled this batch. Finishing the rows in flight; "
            "everything done so far will be in the results file.")


def batch_finished_line(*, successful: int, failed: int, cancelled: int, total: int,
                        cancelled_by: str | None) -> str:
    """The progress message's last state."""
    if cancelled:
        who = f" by <@{cancelled_by}>" if cancelled_by else ""
        return (f":octagonal_sign: Cancelled{who}: {successful:,} drafted, {failed:,} failed, "
                f"{cancelled:,} not run, of {total:,} rows.")
    mark = ":white_check_mark:" if not failed else ":ballot_box_with_check:"
    return f"{mark} Done: {successful:,} drafted, {failed:,} failed, of {total:,} rows."


def batch_summary(*, file_name: str, total: int, successful: int, failed: int, cancelled: int,
                  resumed: int, total_time: str, average: str, throughput: str) -> str:
    """The seed's batch metrics, posted after the results file."""
    lines = [f"*Batch summary — {file_name}*",
             f"• Total requests: {total:,}",
             f"• Successful: {successful:,}",
             f"• Failed: {failed:,}"]
    if cancelled:
        lines.append(f"• Not run (cancelled): {cancelled:,}")
    if resumed:
        lines.append(f"• Finished before a restart and kept: {resumed:,}")
    lines += [f"• Total processing time: {total_time}",
              f"• Average time per request: {average}",
              f"• Throughput: {throughput}"]
    return "\n".join(lines)


def batch_row_errors(errors: list[tuple[int, str]], *, shown: int) -> str:
    """The first failed rows and why; the rest are in the results file's error column."""
    lines = ["*Rows that failed* (row numbers count data rows after the header):"]
    lines += [f"• Row {row}: {error}" for row, error in errors[:shown]]
    if len(errors) > shown:
        lines.append(f"…and {len(errors) - shown:,} more: see the `error` column of the results file.")
    return "\n".join(lines)
