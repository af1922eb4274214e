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
    kind = PartyKind.KOMMUN
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
    seat = BoardSeat.Seat.ORDINARIE
    office = BoardSeat.Office.LEDAMOT


class OfficeContactFactory(DjangoModelFactory):
    class Meta:
        model = OfficeContact

    association = factory.SubFactory(AssociationFactory)
    title = "Förbundschef"
    name = factory.Sequence(lambda n: f"Chef {n}")
