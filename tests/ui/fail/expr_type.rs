use pyptables::firewall;

struct Host;

fn main() {
    let host = Host;
    let _fw = firewall! {
        filter {
            INPUT { accept source={host}; }
        }
    };
}
