// `raw unchecked` skips the catalog's knowledge only: the text still cannot add a line or a
// command, and its jumps to chains are still checked. The SYNPROXY rule is accepted.
fn main() {
    let _ = pyptables::firewall! {
        filter {
            INPUT {
                raw unchecked "-p tcp -j SYNPROXY --mss 1460";
                raw unchecked "-p tcp -j ACCEPT\n-A INPUT -j DROP";
                raw unchecked "-p tcp -A INPUT -j SYNPROXY";
                raw unchecked "-p tcp -j no_such_chain";
                raw unchecked "-p tcp -g NO_SUCH_CHAIN";
            }
        }
    };
}
