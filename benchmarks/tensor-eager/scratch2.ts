import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
console.log(await tf.setBackend("wasm"), tf.getBackend());
