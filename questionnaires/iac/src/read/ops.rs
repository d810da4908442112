//! Topics that carry operations rather than work: the ones deployments, budgets and
//! notification rules send to (alarms' topics are read with the alarms). A topic only these
//! notify is not the workload's messaging.

use super::{loc, refs};
use crate::inventory::{Fact, Inventory};
use crate::node::Node;
use crate::template::Resource;

/// Where each operations resource type names the topics it notifies: (list property, the
/// target's key in each item).
fn targets(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        // SAM's DeploymentPreference is read by the function; CodeDeploy's own group here.
        "AWS::CodeDeploy::DeploymentGroup" => ("TriggerConfigurations", "TriggerTargetArn"),
        "AWS::Budgets::Budget" => ("NotificationsWithSubscribers", "Subscribers"),
        "AWS::CodeStarNotifications::NotificationRule" => ("Targets", "TargetAddress"),
        _ => return None,
    })
}

/// Records the topics an operations resource notifies.
pub(super) fn resource(r: &Resource, inv: &mut Inventory) {
    if let Some((list, key)) = targets(&r.kind)
        && let Some((n, p)) = r.prop(list)
    {
        notified(r, n, &p, key, inv);
    }
}

/// Records the topics named under `key` in each item of `list` (at `path`).
pub(super) fn notified(r: &Resource, list: &Node, path: &str, key: &str, inv: &mut Inventory) {
    for item in list.items() {
        if let Some(target) = item.get(key) {
            for id in refs(target) {
                inv.alarm_topics.push(Fact {
                    value: id,
                    at: loc(r, path, target.line),
                });
            }
        }
    }
}
