"""The registry of world component kinds: one module per kind (see :mod:`.base`).

``KINDS`` maps each kind's name to its class; the engine, the docs and the scenario skeletons
iterate over it. A kind is added by writing its module and listing its class here.
"""

from __future__ import annotations

from melian.world.components.armed_threat import ArmedThreat
from melian.world.components.base import Kind
from melian.world.components.collateralised_credit import CollateralisedCredit
from melian.world.components.commodity_budget import CommodityBudget
from melian.world.components.commodity_exports import CommodityExports
from melian.world.components.commodity_price import CommodityPrice
from melian.world.components.domestic_backlash import DomesticBacklash
from melian.world.components.economy import Economy
from melian.world.components.event_hazard import EventHazard
from melian.world.components.fragmentation import Fragmentation
from melian.world.components.patron_drawdown import PatronDrawdown
from melian.world.components.proxy_attacks import ProxyAttacks
from melian.world.components.sanctions import Sanctions
from melian.world.components.supply_cut import SupplyCut
from melian.world.components.transfers import Transfers

KINDS: dict[str, type[Kind]] = {
    k.kind: k
    for k in (
        CommodityPrice,
        CommodityExports,
        CommodityBudget,
        CollateralisedCredit,
        Sanctions,
        ArmedThreat,
        Fragmentation,
        Transfers,
        EventHazard,
        Economy,
        SupplyCut,
        ProxyAttacks,
        PatronDrawdown,
        DomesticBacklash,
    )
}

__all__ = ["KINDS", "Kind"]
