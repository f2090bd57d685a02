from gongzhi.core.models import Role, RoleGrant
from gongzhi.core.scoping import forget_scope, scope_of


def test_office_and_leader_see_everything(world):
    assert scope_of(world.users["office"]).sees_everything
    assert scope_of(world.users["leader"]).sees_everything
    assert not scope_of(world.users["district"]).sees_everything


def test_area_grants_give_their_area(world):
    assert scope_of(world.users["district"]).district_ids == {world.district_a.pk}
    assert scope_of(world.users["street"]).street_ids == {world.street_a.pk}
    assert scope_of(world.users["community"]).community_ids == {world.community_a1.pk}
    assert scope_of(world.users["unit"]).unit_ids == {world.unit_a.pk}


def test_a_member_grant_is_not_a_liaison_grant(world):
    scope = scope_of(world.users["member"])
    assert scope.unit_ids == frozenset()
    assert scope.member_unit_ids == {world.unit_a.pk}


def test_revoked_grants_give_nothing(world):
    from django.utils import timezone

    user = world.users["district"]
    RoleGrant.objects.filter(user=user).update(revoked_at=timezone.now())
    forget_scope(user)
    assert scope_of(user).roles == frozenset()


def test_anonymous_and_inactive_users_have_the_empty_scope(world):
    from django.contrib.auth.models import AnonymousUser

    assert scope_of(AnonymousUser()).roles == frozenset()
    user = world.users["office"]
    user.is_active = False
    forget_scope(user)
    assert scope_of(user).roles == frozenset()


def test_a_user_may_hold_several_grants(world):
    user = world.users["street"]
    RoleGrant.objects.create(user=user, role=Role.COMMUNITY, community=world.community_b1)
    forget_scope(user)
    scope = scope_of(user)
    assert scope.roles == {Role.STREET, Role.COMMUNITY}
    assert scope.community_ids == {world.community_b1.pk}
