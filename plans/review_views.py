"""Pages of the board's review: send, withdraw, decide, revise; comments; history; changes.

Views fetch, check the role (``permission_required``) and the plan's state
(``workflow.refusal``), call one service, message and redirect.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from associations.mixins import ServiceFormMixin
from associations.resubmission import OnceOnlyCreateMixin
from associations.rules import can

from . import comments, diff, extensions, forms, history, workflow
from .models import Comment, Plan
from .views import PlanMixin


class TransitionMixin:
    """A workflow transition on a document the board decides: the role from the rules,
    the state from the workflow. Mixed in first, then a mixin that fetches
    ``self.document`` and gives ``document_url()`` (``PlanMixin`` for a plan, the
    report's for a report), then the view: ``(ReviewSendBase, PlanMixin,
    PlanServiceFormView)``."""

    transition: workflow.Transition

    @property
    def permission_required(self):
        return self.transition.rule

    def refusal(self):
        message = workflow.refusal(self.transition, document=self.document, user=self.request.user)
        if message:
            messages.error(self.request, message)
            return redirect(self.document_url())
        return None


class PlanServiceFormView(ServiceFormMixin, FormView):
    template_name = "plans/review_form.html"
    page_title = ""
    intro = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=self.page_title,
            intro=self.intro,
            cancel_url=self.document_url(),
            document=self.document,
            **kwargs,
        )

    def get_success_url(self):
        return self.document_url()


class ReviewSendBase(TransitionMixin):
    """Send the document to the board."""

    transition = workflow.SEND_FOR_REVIEW
    form_class = forms.ReviewSendForm

    def perform(self, form):
        workflow.send_for_review(
            document=self.document,
            acting_user=self.request.user,
            deadline=form.cleaned_data["deadline"],
            message=form.cleaned_data["message"],
        )


class ReviewWithdrawBase(TransitionMixin):
    """Take the document back from the board (POST)."""

    transition = workflow.WITHDRAW_REVIEW
    http_method_names = ["post"]
    success_message = ""

    def post(self, request, *args, **kwargs):
        try:
            workflow.withdraw_review(document=self.document, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, self.success_message)
        return redirect(self.document_url())


class DecisionBase(TransitionMixin):
    """Record the board's decision: approved (date, §, dnr) or sent back (why)."""

    transition = workflow.RECORD_APPROVAL  # same rule and state as sending back
    form_class = forms.DecisionForm
    page_title = _("Record the board's decision")
    success_message = _("The board's decision has been recorded.")

    @cached_property
    def unhandled(self) -> int:
        return 0

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "unhandled": self.unhandled}

    def get_context_data(self, **kwargs):
        if self.unhandled:
            kwargs["unhandled_warning"] = workflow.unhandled_message(self.unhandled)
        return super().get_context_data(**kwargs)

    def perform(self, form):
        data = form.cleaned_data
        if data["outcome"] == forms.DecisionForm.SENT_BACK:
            workflow.record_sent_back(
                document=self.document, acting_user=self.request.user, reason=data["reason"]
            )
        else:
            workflow.record_approval(
                document=self.document,
                acting_user=self.request.user,
                meeting_date=data["meeting_date"],
                paragraph=data["paragraph"],
                dnr=data["dnr"],
                text=data["text"],
                unhandled_confirmed=data.get("confirm_unhandled", False),
            )


class ReviewSendView(ReviewSendBase, PlanMixin, PlanServiceFormView):
    page_title = _("Send the plan to the board for review")
    intro = _(
        "The board members of the förbund see the plan and its budget on their home page and "
        "can comment until the deadline. The plan and its budget cannot be changed while the "
        "board reviews them; take the plan back to change it."
    )
    success_message = _("The plan has been sent to the board for review.")


class ReviewWithdrawView(ReviewWithdrawBase, PlanMixin, View):
    success_message = _("The plan has been taken back and is a draft again.")


class DecisionView(DecisionBase, PlanMixin, PlanServiceFormView):
    intro = _(
        "Approved: give the date of the meeting, the minute paragraph and the file number where "
        "the förbund uses one. The plan and its budget are then frozen. Sent back: say why; the "
        "kansli can then change the plan and send it again."
    )

    @cached_property
    def unhandled(self) -> int:
        return comments.unhandled_count(plan=self.plan)


class RevisionStartView(TransitionMixin, PlanMixin, TemplateView):
    transition = workflow.START_REVISION
    template_name = "plans/revision_confirm.html"

    def post(self, request, *args, **kwargs):
        try:
            revision = workflow.start_revision(document=self.plan, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect(self.plan_url())
        messages.success(
            request,
            _("A revision of %(title)s has been started as a draft.") % {"title": self.plan.title},
        )
        return redirect(self.association_url("plans:plan_detail", plan_pk=revision.pk))


# Comments ---------------------------------------------------------------------


class ReviewPageView(PlanMixin, TemplateView):
    """Every comment thread of the plan, with the buttons for those who may act on them.

    A new comment is written on its own page (linked from here and beside each part):
    this page's buttons (withdraw, handled) would otherwise drop a comment being typed.
    """

    permission_required = "plans.view_comments"
    template_name = "plans/review.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        on_review = self.plan.status == Plan.Status.REVIEW
        may_comment = on_review and can(user, "plans.add_comment", self.plan)
        threads = comments.comment_threads(plan=self.plan)
        for thread in threads:
            thread.target_url = comments.target_url(thread, association_slug=self.association.slug)
        return super().get_context_data(
            threads=threads,
            on_review=on_review,
            may_comment=may_comment,
            may_answer=on_review and can(user, "plans.answer_comment", self.plan),
            may_handle=can(user, "plans.handle_comment", self.plan),
            **kwargs,
        )


class CommentCreateView(OnceOnlyCreateMixin, PlanMixin, PlanServiceFormView):
    permission_required = "plans.add_comment"
    form_class = forms.CommentForm
    page_title = _("Comment on the plan")
    success_message = _("Your comment has been saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "choices": comments.target_choices(plan=self.plan)}

    def refusal(self):
        if self.plan.status != Plan.Status.REVIEW:
            messages.error(
                self.request, _("Comments can be written only while the plan is on review.")
            )
            return redirect(self.association_url("plans:review", plan_pk=self.plan.pk))
        return None

    def get_initial(self):
        return {"target": self.request.GET.get("target", "")}

    def perform(self, form):
        self.created = comments.comment_create(
            plan=self.plan,
            acting_user=self.request.user,
            body=form.cleaned_data["body"],
            target_key=form.cleaned_data["target"],
        )

    def get_success_url(self):
        url = self.association_url("plans:review", plan_pk=self.plan.pk)
        created = getattr(self, "created", None)
        return f"{url}#comment-{created.pk}" if created else url


class CommentMixin(PlanMixin):
    """One comment of the plan (``pk``); another plan's or förbund's comment → 404,
    before any role check."""

    comment: Comment

    def fetch_objects(self) -> None:
        super().fetch_objects()
        self.comment = get_object_or_404(
            Comment.objects.filter(plan=self.plan).select_related("plan", "parent"),
            pk=self.kwargs["pk"],
        )

    def closed(self):
        """While the review is not open, back to the review page with a message."""
        if self.plan.status != Plan.Status.REVIEW:
            messages.error(
                self.request, _("Comments can be written only while the plan is on review.")
            )
            return redirect(self.review_url())
        return None

    def review_url(self):
        url = self.association_url("plans:review", plan_pk=self.plan.pk)
        return f"{url}#comment-{self.comment.parent_id or self.comment.pk}"


class OwnCommentMixin(CommentMixin):
    """The author's own comment or answer (a board member's, or the kansli's answer)."""

    permission_required = "plans.answer_comment"

    def refusal(self):
        if self.comment.author_id != self.request.user.pk:
            raise PermissionDenied
        return self.closed()


class CommentReplyView(OnceOnlyCreateMixin, CommentMixin, PlanServiceFormView):
    permission_required = "plans.answer_comment"
    form_class = forms.ReplyForm
    page_title = _("Answer the comment")
    success_message = _("Your answer has been saved.")
    template_name = "plans/comment_form.html"

    def refusal(self):
        return super().refusal() or self.closed()

    def perform(self, form):
        comments.comment_reply(
            parent=self.comment, acting_user=self.request.user, body=form.cleaned_data["body"]
        )

    def get_success_url(self):
        return self.review_url()


class CommentUpdateView(OwnCommentMixin, PlanServiceFormView):
    form_class = forms.CommentBodyForm
    page_title = _("Edit your comment")
    template_name = "plans/comment_form.html"

    def get_initial(self):
        return {"body": self.comment.body}

    def perform(self, form):
        comments.comment_update(
            comment=self.comment, acting_user=self.request.user, body=form.cleaned_data["body"]
        )

    def get_success_url(self):
        return self.review_url()


class CommentActionView(CommentMixin, View):
    http_method_names = ["post"]

    def act(self):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            self.act()
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, self.success_message)
        return HttpResponseRedirect(self.review_url())


class CommentWithdrawView(OwnCommentMixin, CommentActionView):
    success_message = _("Your comment has been withdrawn.")

    def act(self):
        comments.comment_withdraw(comment=self.comment, acting_user=self.request.user)


class CommentHandleView(CommentActionView):
    permission_required = "plans.handle_comment"
    success_message = _("Saved.")

    def act(self):
        comments.comment_mark_handled(
            comment=self.comment,
            acting_user=self.request.user,
            handled=self.request.POST.get("handled", "1") != "0",
        )


# History and changes ----------------------------------------------------------


class PlanHistoryView(PlanMixin, TemplateView):
    permission_required = "plans.view_history"
    template_name = "plans/history.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            entries=history.kept_history(
                plan=self.plan, kind="plan-history", build=history.plan_history
            ),
            page_title=_("History of the plan"),
            document=self.plan,
            document_url=self.plan_url(),
            **kwargs,
        )


class BudgetHistoryView(PlanMixin, TemplateView):
    permission_required = "plans.view_history"
    template_name = "plans/history.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            # ``budgets.history.budget_history``, registered by budgets (plans.extensions).
            entries=history.kept_history(
                plan=self.plan, kind="budget-history", build=extensions.HISTORIES["budget"]
            ),
            page_title=_("History of the budget"),
            document=self.plan,
            document_url=self.plan_url(),
            **kwargs,
        )


class PlanChangesView(PlanMixin, TemplateView):
    """What changed between the plan and the version it revises (or was copied from)."""

    template_name = "plans/changes.html"

    def get_context_data(self, **kwargs):
        plan = self.plan
        earlier_id = plan.revision_of_id or plan.copied_from_id
        against = self.request.GET.get("against", "")
        if against.isdigit():
            earlier_id = int(against)
        earlier = (
            Plan.objects.filter(association=self.association, pk=earlier_id).first()
            if earlier_id
            else None
        )
        if earlier_id and earlier is None:
            raise Http404
        changes = diff.plan_changes(earlier=earlier, later=plan) if earlier else None
        return super().get_context_data(
            earlier=earlier,
            earlier_url=self.association_url("plans:plan_detail", plan_pk=earlier.pk)
            if earlier
            else "",
            changes=changes,
            goal_parts=[
                (_("Goals"), changes.goals),
                (_("Measurement points"), changes.points),
            ]
            if changes
            else [],
            **kwargs,
        )
