//! The image server's index (`/meta/1.0/index-system`, `index-user`): one image a line,
//! `dist;release;arch;variant;build-id;path`. Lines with an empty build id or path are
//! skipped, as the download template skips them.

/// One image the server offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub dist: String,
    pub release: String,
    pub arch: String,
    pub variant: String,
    /// `YYYYMMDD_HH:MM`.
    pub build_id: String,
    /// Relative to the server root, starting with `/`.
    pub path: String,
}

/// What to look for; None matches anything (the variant is always given: `default`).
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub dist: Option<String>,
    pub release: Option<String>,
    pub arch: Option<String>,
    pub variant: String,
}

impl Wanted {
    pub fn matches(&self, image: &Image) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        eq(&self.dist, &image.dist)
            && eq(&self.release, &image.release)
            && eq(&self.arch, &image.arch)
            && self.variant == image.variant
    }
}

/// Parse an index; malformed lines are skipped.
pub fn parse(text: &str) -> Vec<Image> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.trim_end_matches('\r').split(';').collect();
            let [dist, release, arch, variant, build_id, path] = fields.as_slice() else {
                return None;
            };
            if build_id.is_empty() || path.is_empty() {
                return None;
            }
            Some(Image {
                dist: dist.to_string(),
                release: release.to_string(),
                arch: arch.to_string(),
                variant: variant.to_string(),
                build_id: build_id.to_string(),
                path: path.to_string(),
            })
        })
        .collect()
}

/// The `--list` table: header, then one tab-separated row per image, between `---` lines.
pub fn table<'a>(images: impl IntoIterator<Item = &'a Image>) -> String {
    let mut out = String::from("---\nDIST\tRELEASE\tARCH\tVARIANT\tBUILD\n---\n");
    for i in images {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            i.dist, i.release, i.arch, i.variant, i.build_id
        ));
    }
    out.push_str("---\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "debian;bookworm;amd64;default;20240101_05:24;/images/debian/bookworm/amd64/default/20240101_05:24/\n\
        debian;bookworm;arm64;default;20240101_05:24;/images/debian/bookworm/arm64/default/20240101_05:24/\n\
        ubuntu;trusty;amd64;default;;/nothing/\n\
        busybox;1.36;amd64;default;20261129_12:00;/images/busybox/1.36/amd64/default/20261129_12:00/\n\
        not;enough;fields\n";

    #[test]
    fn lines_parse_and_filter_as_the_template_reads_them() {
        let images = parse(INDEX);
        assert_eq!(
            images.len(),
            3,
            "the empty build id and the short line are skipped"
        );
        assert_eq!(
            images[2].path,
            "/images/busybox/1.36/amd64/default/20261129_12:00/"
        );
        let want = Wanted {
            dist: Some("debian".into()),
            arch: Some("arm64".into()),
            variant: "default".into(),
            ..Default::default()
        };
        let found: Vec<&Image> = images.iter().filter(|i| want.matches(i)).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].arch, "arm64");
        let all = Wanted {
            variant: "default".into(),
            ..Default::default()
        };
        let table = table(images.iter().filter(|i| all.matches(i)));
        assert!(table.starts_with("---\nDIST\tRELEASE\tARCH\tVARIANT\tBUILD\n---\n"));
        assert!(table.contains("busybox\t1.36\tamd64\tdefault\t20261129_12:00\n"));
        assert!(table.ends_with("---\n"));
    }
}
