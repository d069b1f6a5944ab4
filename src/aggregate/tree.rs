//! The organisations in scope as a tree (reports.md §1): from the registry,
//! or inferred from the submissions' codes and covers, or — when county
//! reports are rolled up — the counties under the scope above them.

use std::collections::{BTreeMap, HashMap};

use crate::facts::Extract;
use crate::org::{level_of_code, normalize_org_code, Level};
use crate::validate::Registry;

#[derive(Debug, Clone)]
pub struct Node {
    pub code: String,
    pub name: String,
    /// county, street, community, unit, or city/province/all for roll-up scopes.
    pub level: String,
    pub parent: Option<String>,
    /// 应报 (None without a registry).
    pub expected: Option<bool>,
    pub depth: usize,
}

pub struct Tree {
    /// Depth-first, children by code ascending: totals above their parts.
    pub nodes: Vec<Node>,
    index: HashMap<String, usize>,
}

pub fn level_zh(level: &str) -> &'static str {
    match level {
        "county" => "区县",
        "street" => "街道",
        "community" => "社区",
        "unit" => "驻区单位",
        "city" => "市",
        "province" => "省",
        "all" => "全部",
        _ => "",
    }
}

impl Tree {
    pub fn get(&self, code: &str) -> Option<&Node> {
        self.index.get(code).map(|&i| &self.nodes[i])
    }

    /// A node's position in the tree's order.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    pub fn root(&self) -> &Node {
        &self.nodes[0]
    }

    /// Every (ancestor, descendant) pair, each node its own ancestor too.
    pub fn edges(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for n in &self.nodes {
            let mut cur = Some(n.code.clone());
            while let Some(c) = cur {
                out.push((c.clone(), n.code.clone()));
                cur = self.get(&c).and_then(|x| x.parent.clone());
            }
        }
        out
    }

    fn build(mut nodes: BTreeMap<String, Node>, force_scope: bool) -> Tree {
        // Parents that are not in the tree make their children roots.
        let codes: Vec<String> = nodes.keys().cloned().collect();
        for c in &codes {
            let orphan = nodes[c]
                .parent
                .as_ref()
                .is_some_and(|p| !nodes.contains_key(p));
            if orphan {
                nodes.get_mut(c).expect("present").parent = None;
            }
        }
        let roots: Vec<String> = nodes
            .values()
            .filter(|n| n.parent.is_none())
            .map(|n| n.code.clone())
            .collect();
        if roots.len() != 1 || force_scope {
            let (code, level, name) = scope_above(&roots);
            for r in &roots {
                nodes.get_mut(r).expect("present").parent = Some(code.clone());
            }
            nodes.insert(
                code.clone(),
                Node {
                    code,
                    name,
                    level,
                    parent: None,
                    expected: None,
                    depth: 0,
                },
            );
        }
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut root = String::new();
        for n in nodes.values() {
            match &n.parent {
                Some(p) => children.entry(p.clone()).or_default().push(n.code.clone()),
                None => root = n.code.clone(),
            }
        }
        let mut order = Vec::new();
        let mut stack = vec![(root, 0usize)];
        while let Some((c, depth)) = stack.pop() {
            let mut n = nodes.remove(&c).expect("each node once");
            n.depth = depth;
            order.push(n);
            if let Some(kids) = children.get(&c) {
                for k in kids.iter().rev() {
                    stack.push((k.clone(), depth + 1));
                }
            }
        }
        let index = order
            .iter()
            .enumerate()
            .map(|(i, n)| (n.code.clone(), i))
            .collect();
        Tree {
            nodes: order,
            index,
        }
    }

    /// Nodes as an earlier output's tables list them (a period roll-up).
    pub fn from_nodes(nodes: BTreeMap<String, Node>) -> Tree {
        Tree::build(nodes, false)
    }

    pub fn from_registry(reg: &Registry) -> Tree {
        let nodes = reg
            .entries
            .iter()
            .map(|e| {
                let n = Node {
                    code: e.code.clone(),
                    name: e.name.clone(),
                    level: e.level.as_str().to_string(),
                    parent: e.parent.clone(),
                    expected: Some(e.expected),
                    depth: 0,
                };
                (e.code.clone(), n)
            })
            .collect();
        Tree::build(nodes, false)
    }

    /// Without a registry: the hierarchy from codes, names from covers; a
    /// street or county with no name gets its code.
    pub fn inferred(extracts: &[Extract]) -> Tree {
        let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
        let mut add = |code: String, name: Option<String>, level: Level, parent: Option<String>| {
            let e = nodes.entry(code.clone()).or_insert_with(|| Node {
                code: code.clone(),
                name: code.clone(),
                level: level.as_str().to_string(),
                parent: parent.clone(),
                expected: None,
                depth: 0,
            });
            if let Some(n) = name {
                e.name = n;
            }
            if e.parent.is_none() {
                e.parent = parent;
            }
        };
        // (code, cover name, level, a unit's paired community)
        type Org = (String, Option<String>, Option<Level>, Option<String>);
        let mut orgs: Vec<Org> = Vec::new();
        for e in extracts {
            if let Some(o) = &e.org {
                orgs.push((
                    o.clone(),
                    e.org_name.clone(),
                    e.level,
                    e.paired_community.clone(),
                ));
            }
            for (o, _) in &e.ledger_orgs {
                orgs.push((o.clone(), None, None, None));
            }
        }
        for (code, name, level, paired) in orgs {
            let code = normalize_org_code(&code);
            let Some(level) = level.or_else(|| level_of_code(&code).ok()) else {
                continue;
            };
            let mut chain: Vec<(String, Level)> = Vec::new();
            match level {
                Level::Unit => {
                    if let Some(c) = paired.filter(|c| level_of_code(c) == Ok(Level::Community)) {
                        chain.push((c, Level::Community));
                    }
                }
                Level::Community | Level::Street | Level::County => {}
            }
            let top = chain
                .last()
                .map(|(c, _)| c.clone())
                .unwrap_or_else(|| code.clone());
            if matches!(level_of_code(&top), Ok(Level::Community)) {
                chain.push((format!("{}000", &top[..9]), Level::Street));
            }
            if matches!(
                level_of_code(&top),
                Ok(Level::Community) | Ok(Level::Street)
            ) {
                chain.push((format!("{}000000", &top[..6]), Level::County));
            }
            let parent_of_self = chain.first().map(|(c, _)| c.clone());
            add(code.clone(), name, level, parent_of_self);
            for (k, (c, l)) in chain.iter().enumerate() {
                add(
                    c.clone(),
                    None,
                    *l,
                    chain.get(k + 1).map(|(p, _)| p.clone()),
                );
            }
        }
        Tree::build(nodes, false)
    }

    /// Counties' report workbooks: a row per county under the scope above.
    pub fn from_reports(extracts: &[Extract]) -> Tree {
        let mut nodes = BTreeMap::new();
        for e in extracts {
            if let Some(r) = &e.report {
                nodes.entry(r.code.clone()).or_insert_with(|| Node {
                    code: r.code.clone(),
                    name: r.name.clone(),
                    level: r.level.clone(),
                    parent: None,
                    expected: None,
                    depth: 0,
                });
            }
        }
        Tree::build(nodes, true)
    }
}

/// The scope above several roots (reports.md §1): the prefecture
/// `PPCC00000000` when all share it, the province `PP0000000000`, else all.
fn scope_above(roots: &[String]) -> (String, String, String) {
    let share = |n: usize| {
        roots
            .iter()
            .all(|r| r.len() >= n && roots[0].len() >= n && r[..n] == roots[0][..n])
    };
    if !roots.is_empty() && share(4) {
        // Its name is not in any county's workbook: the title says what it is.
        let c = format!("{}00000000", &roots[0][..4]);
        return (c, "city".into(), "市级汇总".into());
    }
    if !roots.is_empty() && share(2) {
        let c = format!("{}0000000000", &roots[0][..2]);
        return (c, "province".into(), "省级汇总".into());
    }
    ("000000000000".into(), "all".into(), "全部".into())
}
