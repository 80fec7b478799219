/**
 * The floor's second thread (bench-churn-floor.ts, listenBareTunnelTwice): a Worker that opens
 * a bare tunnel listener on the port it is sent, beside the first one, and answers with its
 * thread id.
 */
import { listenOn } from "./bench-churn-floor.ts";
import { currentThreadId } from "./bench-cpu.ts";

addEventListener("message", (event: MessageEvent<number>) => {
  listenOn(event.data, true);
  postMessage(currentThreadId());
});
