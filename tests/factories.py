"""Factories that keep every related object inside one förbund."""

import factory
from factory.django import DjangoModelFactory

from associations.models import (
    Association,
    BoardSeat,
    MemberParty,
    Membership,
    OfficeContact,
    PartyKind,
    User,
)
from budgets.models import FinancialRule
from plans.models import (
    CommunicationItem,
    ControlPoint,
    Goal,
    GoalArea,
    Intervention,
    MeasurementPoint,
    Plan,
    PlanIntervention,
    Section,
    StaffingLine,
)


class AssociationFactory(DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"Samordningsförbundet {n}")
    slug = factory.Sequence(lambda n: f"forbund-{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.se")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    association = factory.SubFactory(AssociationFactory)
    user = factory.SubFactory(UserFactory)
    role = "kansli"


class MemberPartyFactory(DjangoModelFactory):
    class Meta:
        model = MemberParty

    association = factory.SubFactory(AssociationFactory)
    kind = PartyKind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"Kommun {n}")
    population = 10000


class BoardSeatFactory(DjangoModelFactory):
    class Meta:
        model = BoardSeat

    association = factory.SubFactory(AssociationFactory)
    party = factory.SubFactory(
        MemberPartyFactory, association=factory.SelfAttribute("..association")
    )
    name = factory.Sequence(lambda n: f"Ledamot {n}")
    seat = BoardSeat.Seat.ORDINARY
    office = BoardSeat.Office.MEMBER


class OfficeContactFactory(DjangoModelFactory):
    class Meta:
        model = OfficeContact

    association = factory.SubFactory(AssociationFactory)
    title = "Förbundschef"
    name = factory.Sequence(lambda n: f"Chef {n}")


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    association = factory.SubFactory(AssociationFactory)
    year = 2022
    end_year = 2024
    title = "Verksamhetsplan 2022-2024"


def _plan_of_same_association():
    return factory.SubFactory(PlanFactory, association=factory.SelfAttribute("..association"))


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section

    association = factory.SubFactory(AssociationFactory)
    plan = _plan_of_same_association()
    heading = factory.Sequence(lambda n: f"Avsnitt {n}")
    body = "Text med **fetstil**."


class GoalAreaFactory(DjangoModelFactory):
    class Meta:
        model = GoalArea

    association = factory.SubFactory(AssociationFactory)
    plan = _plan_of_same_association()
    name = factory.Sequence(lambda n: f"Målområde {n}")


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    association = factory.SubFactory(AssociationFactory)
    plan = _plan_of_same_association()
    goal_area = factory.SubFactory(
        GoalAreaFactory,
        association=factory.SelfAttribute("..association"),
        plan=factory.SelfAttribute("..plan"),
    )
    level = Goal.Level.SHORT_TERM
    text = factory.Sequence(lambda n: f"Mål {n}")


class MeasurementPointFactory(DjangoModelFactory):
    class Meta:
        model = MeasurementPoint

    association = factory.SubFactory(AssociationFactory)
    plan = _plan_of_same_association()
    goal = factory.SubFactory(
        GoalFactory,
        association=factory.SelfAttribute("..association"),
        plan=factory.SelfAttribute("..plan"),
    )
    kind = MeasurementPoint.Kind.COUNT_FLOOR
    text = "Minst 200 kvinnor och män deltar"
    target_count = 200


class InterventionFactory(DjangoModelFactory):
    class Meta:
        model = Intervention

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"Insats {n}")


class PlanInterventionFactory(DjangoModelFactory):
    class Meta:
        model = PlanIntervention

    association = factory.SubFactory(AssociationFactory)
    plan = _plan_of_same_association()
    intervention = factory.SubFactory(
        InterventionFactory, association=factory.SelfAttribute("..association")
    )
    # What the plan prints about the intervention is the entry's own.
    name = factory.SelfAttribute("intervention.name")
    kind = factory.SelfAttribute("intervention.kind")
    start_year = factory.SelfAttribute("intervention.start_year")
    owner_party = factory.SelfAttribute("intervention.owner_party")
    purpose = "Syfte"


class StaffingLineFactory(DjangoModelFactory):
    class Meta:
        model = StaffingLine

    association = factory.SubFactory(AssociationFactory)
    plan_intervention = factory.SubFactory(
        PlanInterventionFactory, association=factory.SelfAttribute("..association")
    )
    role = "Case manager"
    percent = 50


class ControlPointFactory(DjangoModelFactory):
    class Meta:
        model = ControlPoint

    association = factory.SubFactory(AssociationFactory)
    plan = _plan_of_same_association()
    routine = "Attestrutiner"
    control = "Att gällande attestregler följs"


class CommunicationItemFactory(DjangoModelFactory):
    class Meta:
        model = CommunicationItem

    association = factory.SubFactory(AssociationFactory)
    plan = _plan_of_same_association()
    audience = "Förtroendevalda"


class FinancialRuleFactory(DjangoModelFactory):
    class Meta:
        model = FinancialRule

    association = factory.SubFactory(AssociationFactory)
    kind = FinancialRule.Kind.EQUITY_MAX_PERCENT
    value = 20
