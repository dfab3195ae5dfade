"""What a new worker child warms up: the zoo first, then the smallest networks, within a memory
budget (a child that warmed VGG16 beside four others passed its memory limit and was replaced
after every job, each new child warming for 55 s again)."""

import pytest

from backend.analyses.warmup import BYTES_PER_PARAMETER, warm_up_networks, warm_up_plan
from backend.networks.models import Network

pytestmark = pytest.mark.django_db


def test_plan_takes_the_zoo_then_the_smallest_within_the_budget():
    def net(name, source, params):
        return Network(name=name, source=source, params=params)

    vgg = net("vgg16", "upload", 138_357_544)
    resnet = net("resnet50", "upload", 25_636_712)
    mobilenet = net("mobilenet", "upload", 3_538_984)
    zoo = net("tiny-vgg", "zoo", 60_000)
    budget = 1 << 30
    plan = warm_up_plan([vgg, resnet, zoo, mobilenet], budget)
    assert [n.name for n in plan] == ["tiny-vgg", "mobilenet", "resnet50"]
    assert sum(n.params for n in plan) * BYTES_PER_PARAMETER <= budget
    assert warm_up_plan([vgg], budget) == []  # alone it is larger than the budget


def test_warm_up_warms_the_zoo(zoo, settings):
    settings.CONVSCOPE_WARM_UP_BYTES = 1 << 30
    assert warm_up_networks() == len(zoo)
    settings.CONVSCOPE_WARM_UP_BYTES = 0
    assert warm_up_networks() == 0
