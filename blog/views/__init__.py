"""Reader-facing pages. Every query here starts from `Post.objects.public()`."""
