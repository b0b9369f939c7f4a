"""The route-rule operations: what ``add_route``, ``change_route`` and ``delete_route`` call.

Owns: waiting for the connection to be active before a rule goes through it, the next hop of
a connection this apply made (its end's ``localIfId`` in the table's VPC: a ``Ref`` with
``output="local_if_id"``), the duplicate guard before a create (the table re-read by
(source, destination): a rule already through this connection is adopted, one through
anything else fails the change), the recognition of a replayed create (the answered rule is
not in the table: created again under the successor token), and the read-back of each rule.
The step loop, tokens and cancellation are ``runstep.StepRunner``'s.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.apply.runstep import REPLAYS, StepRunner
from reconciler.errors import ConflictError, NotFoundError
from reconciler.model import FAILED_STATUSES, PEERCONN_NEXTHOP_TYPE, RouteRule, Status
from reconciler.plan import Op, Step
from reconciler.planner.tokens import successor


def _key(rule: RouteRule) -> tuple[str, str]:
    return (rule.source_address, rule.destination_address)


class RouteSteps(StepRunner):
    def _rules(self, step: Step) -> dict[tuple[str, str], RouteRule]:
        table = self._api(step).route.get_table(vpc_id=step.vpc_id)
        return {_key(r): r for r in table.rules}

    def _hop(self, step: Step) -> str:
        """The connection's interface in the table's VPC, once the connection is active."""
        view = self._wait(step, "status active before routing through it",
                          lambda v: v is not None and (v.status == Status.ACTIVE
                                                       or v.status in FAILED_STATUSES))
        planned = step.params.get("nexthop_id")
        if planned:
            return str(planned)
        if view is None or not view.local_if_id:
            raise NotFoundError(f"the end of {self.conn_id} in {step.vpc_id} shows no "
                                "interface", operation="add_route")
        return view.local_if_id

    def _do_add_route(self, step: Step) -> None:
        p = step.params
        key = (str(p["source_address"]), str(p["destination_address"]))
        hop = self._hop(step)
        found = self._rules(step).get(key)
        if found is not None:
            self._adopt_rule(step, found, hop)
            return
        token = self._token(step)
        for _ in range(REPLAYS):
            rule_id = self._call(step, lambda api, t: api.route.create_rule(
                route_table_id=str(p["route_table_id"]), source_address=key[0],
                destination_address=key[1], nexthop_type=PEERCONN_NEXTHOP_TYPE,
                nexthop_id=hop, description=str(p.get("description", "")), client_token=t),
                token=token)
            rule = self._rules(step).get(key)
            if rule is not None:
                self._read_back(step, rule, hop, str(p.get("description", "")))
                self.ex.progress(f"{self.label}: route {key[1]} added in {p['route_table_id']} "
                                 f"({step.vpc_id}) via {hop} [rule={rule.route_rule_id}]")
                return
            self.ex.progress(f"{self.label}: the server replayed the create of rule {rule_id}, "
                             "deleted since; creating anew")
            token = successor(token, rule_id)
        raise ConflictError(f"the rule {key[0]} -> {key[1]} cannot be created: the server keeps "
                            "answering with deleted rules", operation="add_route")

    def _adopt_rule(self, step: Step, rule: RouteRule, hop: str) -> None:
        if rule.nexthop_type != PEERCONN_NEXTHOP_TYPE or rule.nexthop_id != hop:
            raise ConflictError(f"the rule {rule.source_address} -> {rule.destination_address} "
                                f"appeared since the plan, through {rule.nexthop_type} "
                                f"{rule.nexthop_id or '(system)'}; not taking it over",
                                operation="add_route")
        self._mark(step)
        self.ex.progress(f"{self.label}: found the rule {rule.destination_address} through "
                         f"{hop} made by an earlier or concurrent run; not creating a duplicate")

    def _read_back(self, step: Step, rule: RouteRule, hop: str, description: str) -> None:
        problems = []
        if rule.nexthop_type != PEERCONN_NEXTHOP_TYPE or rule.nexthop_id != hop:
            problems.append(f"next hop is {rule.nexthop_type} {rule.nexthop_id}, the plan "
                            f"promised {hop}")
        if rule.description != description:
            problems.append(f"description is {rule.description!r}, the plan promised "
                            f"{description!r}")
        if problems:
            raise ConflictError(f"inconsistent result after apply: rule {rule.source_address} "
                                f"-> {rule.destination_address}: " + "; ".join(problems),
                                operation=step.op.value)

    def _do_change_route(self, step: Step) -> None:
        p = step.params
        key, want = (str(p["source_address"]), str(p["destination_address"])), str(p["description"])
        rule_id = str(p["route_rule_id"])
        token = self._token(step)
        for _ in range(REPLAYS):
            self._call(step, lambda api, t: api.route.update_rule(
                rule_id, description=want, client_token=t), token=token)
            rule = self._rules(step).get(key)
            if rule is None or rule.route_rule_id != rule_id:
                raise ConflictError(f"inconsistent result after apply: rule {rule_id} is gone",
                                    operation="change_route")
            if rule.description == want:
                self.ex.progress(f"{self.label}: route {key[1]} in {p['route_table_id']} "
                                 f"({step.vpc_id}) now described {want!r} [rule={rule_id}]")
                return
            token = successor(token, f"change_route:{rule_id}")
        raise ConflictError(f"inconsistent result after apply: rule {rule_id} keeps its "
                            "description", operation="change_route")

    def _do_delete_route(self, step: Step) -> None:
        rule_id = str(step.params["route_rule_id"])
        try:
            self._call(step, lambda api, t: api.route.delete_rule(rule_id, client_token=t))
        except NotFoundError:
            self._mark(step)  # already gone: what this step wants has happened
        if any(r.route_rule_id == rule_id for r in self._rules(step).values()):
            raise ConflictError(f"inconsistent result after apply: rule {rule_id} is still "
                                "there", operation="delete_route")
        self.ex.progress(f"{self.label}: route {step.params['destination_address']} deleted "
                         f"from {step.params['route_table_id']} ({step.vpc_id}) [rule={rule_id}]")


#: What each route operation does (merged into ``peerconn_ops``'s table).
ROUTE_OPERATIONS: dict[Op, Callable[[RouteSteps, Step], None]] = {
    Op.ADD_ROUTE: RouteSteps._do_add_route,
    Op.CHANGE_ROUTE: RouteSteps._do_change_route,
    Op.DELETE_ROUTE: RouteSteps._do_delete_route,
}
