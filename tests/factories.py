"""factory-boy factories for users (by role), categories, tags and posts."""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.roles import AUTHOR, CONTRIBUTOR, EDITOR
from blog.models import Category, Post, Tag
from blog.services import post_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.Faker("name")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """`UserFactory(role="Editor")` puts the user in that group and lets them into admin."""
        _join(self, create, extracted)


def _join(user, create, role):
    if create and role:
        user.groups.add(Group.objects.get(name=role))
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def _role_factory(name: str) -> type[UserFactory]:
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _join(self, create, extracted or name)

    return type(f"{name}Factory", (UserFactory,), {"role": role})


ContributorFactory = _role_factory(CONTRIBUTOR)
AuthorFactory = _role_factory(AUTHOR)
EditorFactory = _role_factory(EDITOR)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")


class PostFactory(factory.django.DjangoModelFactory):
    """A public post by default; `PostFactory(draft=True)` or `(scheduled=True)` for others.

    Created through `blog.services.post_create`, as every writer's post is: its events
    (pages retired, go-live, revision) happen as they would for a real post.
    """

    class Meta:
        model = Post
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Post.Status.DRAFT, published_at=None)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
        )

    title = factory.Sequence(lambda n: f"Post number {n}")
    author = factory.SubFactory(AuthorFactory)
    category = factory.SubFactory(CategoryFactory)
    body = factory.Faker("paragraph", nb_sentences=8)
    status = Post.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    tags = None  # a list of tags, written with the post

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        kwargs.pop("tags", None)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return post_create(data=kwargs, user=None)
